// Your own prompt: a character count while typing, and live progress while the outputs are made.
// Without this script the form posts as usual and the progress page refreshes itself.
(function () {
  "use strict";

  const POLL_MS = 700;
  const SLOW_POLL_MS = 2000;
  const SLOW_AFTER_MS = 30000;

  function countCharacters() {
    const form = document.getElementById("prompt-form");
    const count = document.getElementById("prompt-count");
    if (!form || !count) {
      return;
    }
    const textarea = form.querySelector("textarea");
    const max = Number(count.dataset.max);
    const update = () => {
      const left = max - textarea.value.length;
      count.textContent = left >= 0 ? left + " of " + max + " characters left."
        : -left + " characters too many.";
      count.classList.toggle("error", left < 0);
    };
    textarea.addEventListener("input", update);
    textarea.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    update();
  }

  function followProgress() {
    const progress = document.getElementById("progress");
    if (!progress || progress.dataset.state !== "generating") {
      return;
    }
    const started = Date.now();
    const message = document.getElementById("progress-message");
    const items = Array.from(document.querySelectorAll("#outputs-progress li"));

    function show(data) {
      data.outputs.forEach((output, i) => {
        if (items[i]) {
          items[i].dataset.output = output;
          items[i].querySelector(".output-state").textContent = output;
        }
      });
      progress.dataset.state = data.state;
      if (data.state === "ready") {
        message.textContent = data.message + " Opening the battle…";
        window.location.assign(data.url);
      } else if (data.state === "failed") {
        message.textContent = data.message;
        message.classList.add("error");
        document.querySelector(".progress-card .bar").hidden = true;
        const retry = document.getElementById("retry-form");
        retry.hidden = false;
        retry.querySelector("button").focus();
      } else {
        // Rewritten only when the count of finished outputs changes, so readers are not flooded.
        if (message.dataset.done !== String(data.done)) {
          message.dataset.done = String(data.done);
          message.textContent = data.message;
        }
        later();
      }
    }

    function later() {
      setTimeout(poll, Date.now() - started > SLOW_AFTER_MS ? SLOW_POLL_MS : POLL_MS);
    }

    function poll() {
      fetch(progress.dataset.statusUrl, {
        headers: { Accept: "application/json" }, credentials: "same-origin",
      }).then((response) => (response.ok ? response.json() : Promise.reject(response)))
        .then(show, later);
    }

    poll();
  }

  countCharacters();
  followProgress();
})();
