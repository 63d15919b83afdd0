// Looking closely: one output at full size, or both side by side with one zoom and pan for both.
// Without this script, a click on an output opens the image itself.
(function () {
  "use strict";

  const battle = document.getElementById("battle");
  const viewer = document.getElementById("viewer");
  const compare = document.getElementById("compare");
  if (!battle || !viewer || !compare) {
    return;
  }
  const viewerImage = document.getElementById("viewer-image");
  const openButton = document.getElementById("compare-open");
  const level = document.getElementById("zoom-level");
  const panes = Array.from(compare.querySelectorAll(".pane"));
  const paneImages = panes.map((pane) => pane.querySelector("img"));
  const MIN_FACTOR = 0.5;  // of the fitted size
  const MAX_SCALE = 16;    // of the natural size
  // One view for both panes, in the left image's pixels: scale, then offset inside the pane.
  const view = { scale: 1, x: 0, y: 0, fit: 1 };
  const pointers = new Map();

  function outputImages() {
    return ["left", "right"].map((side) => document.querySelector("#output-" + side + " img"));
  }

  function refreshButton() {
    openButton.hidden = outputImages().some((img) => img === null);
  }

  // --- Full size ---------------------------------------------------------------------------

  battle.addEventListener("click", (event) => {
    const link = event.target.closest("a.zoom");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) {
      return;
    }
    event.preventDefault();
    viewerImage.src = link.href;
    viewerImage.alt = link.querySelector("img").alt;
    viewer.showModal();
  });
  viewer.addEventListener("click", (event) => {
    if (event.target === viewer || event.target.closest(".viewer-body")) {
      viewer.close();
    }
  });

  // --- Side by side ------------------------------------------------------------------------

  function openCompare() {
    const images = outputImages();
    if (images.some((img) => img === null)) {
      return;
    }
    images.forEach((img, i) => {
      paneImages[i].src = img.currentSrc || img.src;
      paneImages[i].alt = img.alt;
    });
    compare.showModal();
    Promise.all(paneImages.map((img) => img.decode().catch(() => null))).then(fit);
  }

  function naturalWidth(img) {
    return img.naturalWidth || 512;
  }

  function fit() {
    const box = panes[0].getBoundingClientRect();
    const width = naturalWidth(paneImages[0]);
    const height = paneImages[0].naturalHeight || 512;
    view.fit = Math.min(box.width / width, box.height / height);
    view.scale = view.fit;
    view.x = (box.width - width * view.scale) / 2;
    view.y = (box.height - height * view.scale) / 2;
    draw();
  }

  function draw() {
    const reference = naturalWidth(paneImages[0]);
    paneImages.forEach((img) => {
      // An output of another size is scaled to the left one's, so the same spot lines up.
      const scale = view.scale * (reference / naturalWidth(img));
      img.style.transform = "translate(" + view.x + "px, " + view.y + "px) scale(" + scale + ")";
    });
    level.textContent = Math.round(view.scale * 100) + "%";
  }

  function zoomAt(factor, x, y) {
    const scale = Math.min(Math.max(view.scale * factor, view.fit * MIN_FACTOR), MAX_SCALE);
    const applied = scale / view.scale;
    view.x = x - (x - view.x) * applied;
    view.y = y - (y - view.y) * applied;
    view.scale = scale;
    draw();
  }

  function paneCentre() {
    const box = panes[0].getBoundingClientRect();
    return [box.width / 2, box.height / 2];
  }

  function local(event) {
    const box = event.currentTarget.getBoundingClientRect();
    return [event.clientX - box.left, event.clientY - box.top];
  }

  panes.forEach((pane) => {
    pane.addEventListener("wheel", (event) => {
      event.preventDefault();
      const [x, y] = local(event);
      zoomAt(Math.exp(-event.deltaY * 0.0015), x, y);
    }, { passive: false });
    pane.addEventListener("dblclick", (event) => {
      const [x, y] = local(event);
      zoomAt(2, x, y);
    });
    pane.addEventListener("pointerdown", (event) => {
      pane.setPointerCapture(event.pointerId);
      pointers.set(event.pointerId, local(event));
    });
    pane.addEventListener("pointermove", (event) => {
      if (!pointers.has(event.pointerId)) {
        return;
      }
      const before = Array.from(pointers.values());
      pointers.set(event.pointerId, local(event));
      const after = Array.from(pointers.values());
      if (after.length === 1) {
        view.x += after[0][0] - before[0][0];
        view.y += after[0][1] - before[0][1];
        draw();
      } else if (after.length === 2) {
        // Pinch: zoom by the change in finger distance, about the point between them.
        const spread = (p) => Math.hypot(p[0][0] - p[1][0], p[0][1] - p[1][1]) || 1;
        zoomAt(spread(after) / spread(before), (after[0][0] + after[1][0]) / 2,
          (after[0][1] + after[1][1]) / 2);
      }
    });
    const release = (event) => pointers.delete(event.pointerId);
    pane.addEventListener("pointerup", release);
    pane.addEventListener("pointercancel", release);
  });

  compare.querySelectorAll("[data-zoom]").forEach((button) => {
    button.addEventListener("click", () => {
      const action = button.dataset.zoom;
      if (action === "fit") {
        fit();
      } else {
        zoomAt(action === "in" ? 1.25 : 0.8, ...paneCentre());
      }
    });
  });

  openButton.addEventListener("click", openCompare);
  compare.addEventListener("close", () => pointers.clear());
  window.addEventListener("resize", () => {
    if (compare.open) {
      fit();
    }
  });

  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.target.closest("input, textarea, select")) {
      return;
    }
    if (compare.open && ["+", "=", "-", "0"].includes(event.key)) {
      event.preventDefault();
      if (event.key === "0") {
        fit();
      } else {
        zoomAt(event.key === "-" ? 0.8 : 1.25, ...paneCentre());
      }
    } else if ((event.key === "c" || event.key === "C") && !document.querySelector("dialog[open]")) {
      event.preventDefault();
      openCompare();
    }
  });

  // The voting script swaps the outputs in place; keep the compare button in step.
  new MutationObserver(refreshButton).observe(document.getElementById("pair"),
    { childList: true, subtree: true });
  refreshButton();
})();
