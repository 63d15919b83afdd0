// The voting page: keys, votes without a reload, and the next battle preloaded and swapped in.
// The page works without this script (plain forms and links); nothing here is inline, so a
// strict Content-Security-Policy (script-src 'self') does not get in its way.
(function () {
  "use strict";

  const KEYS = {
    "1": "left", ArrowLeft: "left", "2": "right", ArrowRight: "right",
    "3": "tie", ArrowUp: "tie", "4": "both_bad", ArrowDown: "both_bad",
  };
  const SIDES = ["left", "right"];
  const LOADING_DELAY_MS = 150;  // say "loading" only when it is noticeable
  const LONG_PROMPT = 160;       // characters; longer prompts get a smaller, scrolling heading
  const RETRIES = 2;             // after a dropped connection or a 5xx
  const RETRY_MS = 250;
  const MAX_RETRY_MS = 1500;     // a voter is waiting: do not sit out a long Retry-After
  const STACKED = window.matchMedia("(max-width: 700px)");  // phones: left is top, right bottom

  const section = document.getElementById("battle");
  if (!section) {
    return;
  }
  const $ = (id) => document.getElementById(id);
  const el = {
    form: $("vote-form"), prompt: $("prompt"), category: $("category"), loading: $("loading"),
    verdict: $("verdict"), error: $("vote-error"), after: $("after"), next: $("next"),
    tally: $("tally-count"), tallyUnit: $("tally-unit"), decoy: $("decoy-note"),
  };
  const csrf = el.form.querySelector("[name=csrfmiddlewaretoken]").value;
  const state = {
    token: section.dataset.token,
    mode: section.dataset.state,  // voting | sending | revealed | moving
    loaded: false,                 // both images of the current battle decoded
    next: null,                    // Promise of the prepared next battle, or of null
  };

  // Every POST here is safe to repeat (a vote counts once, the held battle stays the same,
  // showing twice keeps the first time), so a dropped connection or a 5xx is tried again.
  function post(url, fields, attempt = 0) {
    const body = new FormData();
    Object.entries(fields || {}).forEach(([name, value]) => body.append(name, value));
    const again = (delay) => wait(delay).then(() => post(url, fields, attempt + 1));
    return fetch(url, {
      method: "POST", body, credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrf },
    }).then((response) => {
      if (response.status >= 500 && attempt < RETRIES) {
        return again(retryDelay(response, attempt));
      }
      return response.json().catch(() => ({})).then((data) => ({ response, data }));
    }, (error) => (attempt < RETRIES ? again(retryDelay(null, attempt)) : Promise.reject(error)));
  }

  function retryDelay(response, attempt) {
    const asked = response ? Number(response.headers.get("Retry-After")) * 1000 : 0;
    return Math.min(asked || RETRY_MS * 2 ** attempt, MAX_RETRY_MS);
  }

  function wait(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  // --- Showing a pair only once both of its images are ready --------------------------------

  // A task queued from the frame callback runs once that frame is painted: the marks the
  // latency benchmark reads (tests/benchmarks/bench_vote_latency.py).
  function afterPaint(name) {
    requestAnimationFrame(() => setTimeout(() => performance.mark(name), 0));
  }

  function decoded(img) {
    return img ? img.decode().then(() => true, () => false) : Promise.resolve(true);
  }

  function currentImages() {
    return SIDES.map((side) => document.querySelector("#output-" + side + " img"));
  }

  function markReady(loaded) {
    state.loaded = loaded;
    section.setAttribute("data-ready", "");
    section.removeAttribute("aria-busy");
    el.loading.textContent = loaded ? "" : "An output did not load. You can still vote, or reload the page.";
    afterPaint("arena:painted");
  }

  function awaitPair() {
    const token = state.token;
    section.removeAttribute("data-ready");
    section.setAttribute("aria-busy", "true");
    const slow = setTimeout(() => {
      if (token === state.token && !state.loaded) {
        el.loading.textContent = "Loading both outputs…";
      }
    }, LOADING_DELAY_MS);
    state.loaded = false;
    return Promise.all(currentImages().map(decoded)).then((results) => {
      clearTimeout(slow);
      if (token === state.token) {
        markReady(results.every(Boolean));
      }
    });
  }

  // --- Voting ------------------------------------------------------------------------------

  function vote(choice) {
    if (state.mode !== "voting") {
      return;
    }
    state.mode = "sending";
    section.setAttribute("data-sending", "");
    el.error.hidden = true;
    post(el.form.action, { choice, images_loaded: state.loaded ? "1" : "0" })
      .then(({ response, data }) => {
        section.removeAttribute("data-sending");
        if (response.ok) {
          reveal(data);
        } else {
          refused(response.status, data.error || data.detail
            || "The vote was not taken (error " + response.status + "). Vote again.");
        }
      })
      .catch(() => {
        section.removeAttribute("data-sending");
        refused(0, "Your vote could not be sent: the connection dropped. Vote again.");
      });
  }

  function reveal(data) {
    SIDES.forEach((side) => {
      const figure = $("output-" + side);
      const name = data.reveal[side];
      figure.querySelector(".model").textContent = name;
      figure.querySelector(".meta").textContent = data.reveal[side + "_detail"] || "";
      figure.classList.toggle("chosen", data.choice === side);
      const img = figure.querySelector("img");
      if (img) {
        img.alt = (side === "left" ? "Left" : "Right") + " output, by " + name;
      }
    });
    // The running count is the tally above the pair; the verdict does not repeat it.
    el.verdict.replaceChildren("You voted: ", strong(sideWords(data.choice_label)), ".");
    el.tally.textContent = data.votes_today;
    el.tallyUnit.textContent = data.votes_today === 1 ? "vote" : "votes";
    // An attention check says so once answered (arena.services.decoys).
    el.decoy.textContent = data.reveal.decoy ? data.reveal.decoy_message : "";
    el.decoy.hidden = !data.reveal.decoy;
    showAfter();
    afterPaint("arena:revealed");
  }

  function refused(status, message) {
    el.error.textContent = message;
    el.error.hidden = false;
    if (status === 0 || status === 429 || status >= 500) {
      state.mode = "voting";  // nothing was counted: worth trying again in a moment
    } else {
      showAfter();  // the battle is gone or closed: offer the next one
    }
  }

  function showAfter() {
    state.mode = "revealed";
    section.dataset.state = "revealed";
    el.form.hidden = true;
    el.after.hidden = false;
    el.next.focus({ preventScroll: true });
  }

  function sideWords(label) {
    return STACKED.matches ? label.replace(/^Left/, "Top").replace(/^Right/, "Bottom") : label;
  }

  function strong(text) {
    const node = document.createElement("strong");
    node.textContent = text;
    return node;
  }

  // --- The next battle: held by the server, preloaded here, swapped in on Enter ---------------

  // ``after``: what must be done first (the current battle counted as shown, or the server
  // would hold that one again). Enter waits on ``state.next`` from this moment on.
  function prefetch(after) {
    section.dataset.next = "loading";
    state.next = Promise.resolve(after)
      .then(() => post(section.dataset.prefetchUrl))
      .then(({ response, data }) => {
        const card = response.ok && data.battle;
        return card && card.token !== state.token ? prepare(card) : null;
      })
      .catch(() => null);
    state.next.then((prepared) => {
      if (!prepared) {
        section.dataset.next = "none";
      }
    });
  }

  function prepare(card) {
    const prepared = { card, images: {}, ready: false, loaded: false };
    const waits = SIDES.map((side) => {
      if (!card[side].is_image) {
        return Promise.resolve(true);
      }
      const img = makeImage(card[side].url, side);
      prepared.images[side] = img;
      return decoded(img);
    });
    if (card.source) {
      const source = new Image();  // an edit's source: in the cache before it is shown
      source.src = card.source;
      waits.push(decoded(source));
    }
    Promise.all(waits).then((results) => {
      prepared.ready = true;
      prepared.loaded = results.every(Boolean);
      if (state.token !== card.token) {
        section.dataset.next = "ready";  // preloaded: Enter will show it at once
      }
    });
    return prepared;
  }

  function makeImage(url, side) {
    const img = new Image(512, 512);
    img.alt = (side === "left" ? "Left" : "Right") + " output";
    img.setAttribute("elementtiming", "output");  // its paint time, for the latency benchmark
    img.src = url;
    return img;
  }

  function goNext() {
    if (state.mode !== "revealed") {
      return;
    }
    state.mode = "moving";
    performance.mark("arena:next");
    let arrived = false;
    (state.next || Promise.resolve(null)).then((prepared) => {
      arrived = true;
      if (prepared) {
        swapIn(prepared);
      } else {
        window.location.assign(section.dataset.voteUrl);  // none held: the server says what now
      }
    });
    setTimeout(() => {
      if (!arrived) {
        el.loading.textContent = "Loading the next battle…";
      }
    }, LOADING_DELAY_MS);
  }

  function swapIn(prepared) {
    const card = prepared.card;
    state.token = card.token;
    state.next = null;
    section.dataset.token = card.token;
    section.dataset.next = "";
    el.prompt.textContent = card.prompt;
    el.prompt.classList.toggle("long", card.prompt.length > LONG_PROMPT);
    el.category.textContent = card.category || "Uncategorised";
    fillSource(card.source);
    SIDES.forEach((side) => fillOutput(side, card[side], prepared.images[side]));
    el.form.action = card.url;
    el.form.hidden = false;
    el.after.hidden = true;
    el.error.hidden = true;
    el.verdict.textContent = "";
    el.decoy.textContent = "";
    el.decoy.hidden = true;
    section.dataset.state = "voting";
    state.mode = "voting";
    document.title = "Vote · Arena";
    history.pushState({ token: card.token }, "", card.url);
    el.prompt.focus({ preventScroll: true });
    if (section.getBoundingClientRect().top < 0) {
      section.scrollIntoView({ block: "start" });
    }
    const ready = prepared.ready ? Promise.resolve(markReady(prepared.loaded)) : awaitPair();
    const shown = post(card.shown_url).then(({ response }) => {
      if (response.status === 409) {
        window.location.assign(section.dataset.voteUrl);  // taken back meanwhile: start afresh
      }
    });
    prefetch(Promise.all([ready, shown]).catch(() => null));
  }

  function fillSource(url) {
    const figure = $("source");
    if (!figure) {
      return;
    }
    figure.hidden = !url;
    const link = $("source-link");
    let img = $("source-image");
    if (!url) {
      link.removeAttribute("href");
      if (img) {
        img.remove();  // a generation battle has no source picture at all
      }
      return;
    }
    if (!img) {
      img = document.createElement("img");
      img.id = "source-image";
      img.alt = "The source image both edits start from";
      img.decoding = "async";
      link.append(img);
    }
    img.src = url;
    link.href = url;
  }

  function fillOutput(side, output, img) {
    const figure = $("output-" + side);
    figure.classList.remove("chosen");
    figure.querySelector(".model").textContent = "";
    figure.querySelector(".meta").textContent = "";
    const frame = figure.querySelector(".frame");
    if (!output.is_image) {
      const pre = document.createElement("pre");
      pre.className = "text-output";
      pre.tabIndex = 0;
      pre.textContent = output.text;
      frame.replaceChildren(pre);
      return;
    }
    const link = document.createElement("a");
    link.className = "zoom";
    link.href = output.url;
    link.setAttribute("aria-label", "Open the " + side + " output full size");
    link.append(img || makeImage(output.url, side));
    frame.replaceChildren(link);
  }

  // --- Keys and clicks ---------------------------------------------------------------------

  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable]") !== null;
  }

  function ownControl(target) {
    // Enter or Space on another focused link or button does what that control does.
    const control = target.closest("a, button, summary");
    return control === null || control === el.next;
  }

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) {
      return;
    }
    const choice = KEYS[event.key];
    const dialog = document.querySelector("dialog[open]");
    if (choice && state.mode === "voting") {
      event.preventDefault();
      if (!event.repeat) {
        performance.mark("arena:key");
        if (dialog) {
          dialog.close();
        }
        vote(choice);
      }
    } else if ((event.key === "Enter" || event.key === " ") && state.mode === "revealed"
               && !dialog && ownControl(event.target)) {
      event.preventDefault();
      if (!event.repeat) {
        performance.mark("arena:key");
        goNext();
      }
    }
  });

  el.form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (event.submitter && event.submitter.value) {
      performance.mark("arena:key");
      vote(event.submitter.value);
    }
  });

  el.next.addEventListener("click", (event) => {
    if (event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey) {
      event.preventDefault();
      goNext();
    }
  });

  // Back and forward: the addresses are real pages, so let the server draw them.
  window.addEventListener("popstate", () => window.location.reload());

  if (state.mode === "revealed") {
    el.next.focus({ preventScroll: true });
  }
  prefetch(awaitPair());
})();
