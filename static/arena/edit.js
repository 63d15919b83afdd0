// Edit battles: in the compare view, S (or the Source button) flips both panes between the
// source picture and the two edits, at the same zoom and position, to see what each changed.
(function () {
  "use strict";

  const compare = document.getElementById("compare");
  const toggle = document.getElementById("compare-source");
  const source = document.getElementById("source");
  if (!compare || !toggle || !source) {
    return;
  }
  const panes = Array.from(compare.querySelectorAll(".pane"));
  const NAMES = { left: "Left edit", right: "Right edit" };
  const STACKED = window.matchMedia("(max-width: 700px)");

  function sourceUrl() {
    const img = document.getElementById("source-image");
    return !source.hidden && img && img.getAttribute("src") ? img.src : "";
  }

  function label(pane, text) {
    let tag = pane.querySelector(".pane-label");
    if (!tag) {
      tag = document.createElement("span");
      tag.className = "pane-label";
      pane.prepend(tag);
    }
    tag.textContent = text;
  }

  function editName(side) {
    return STACKED.matches ? NAMES[side].replace("Left", "Top").replace("Right", "Bottom") : NAMES[side];
  }

  function show(showSource) {
    const url = sourceUrl();
    toggle.setAttribute("aria-pressed", showSource && url ? "true" : "false");
    panes.forEach((pane) => {
      const img = pane.querySelector("img");
      const side = pane.dataset.pane;
      if (showSource && url) {
        img.dataset.edit = img.dataset.edit || img.src;
        img.src = url;
        label(pane, "Source");
      } else {
        if (img.dataset.edit) {
          img.src = img.dataset.edit;
          delete img.dataset.edit;
        }
        label(pane, url ? editName(side) : "");
      }
    });
  }

  function flip() {
    show(toggle.getAttribute("aria-pressed") !== "true");
  }

  // The compare view opens with the edits; the button is there only for edit battles.
  new MutationObserver(() => {
    if (compare.open) {
      toggle.hidden = !sourceUrl();
      show(false);
    }
  }).observe(compare, { attributes: true, attributeFilter: ["open"] });
  compare.addEventListener("close", () => show(false));
  toggle.addEventListener("click", flip);
  document.addEventListener("keydown", (event) => {
    if (!compare.open || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    if ((event.key === "s" || event.key === "S") && sourceUrl()) {
      event.preventDefault();
      flip();
    }
  });
})();
