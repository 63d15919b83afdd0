// Keyboard shortcuts for the voting pages. The forms work without this script.
(function () {
  "use strict";
  const keys = { "1": "left", ArrowLeft: "left", "2": "right", ArrowRight: "right",
                 "3": "tie", ArrowUp: "tie", "4": "both_bad", ArrowDown: "both_bad" };
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.target.matches("input, textarea")) {
      return;
    }
    const form = document.getElementById("vote-form");
    if (form && keys[event.key]) {
      const button = form.querySelector('button[value="' + keys[event.key] + '"]');
      if (button && !form.dataset.sent) {
        form.dataset.sent = "1";  // one vote per key press, even if the key repeats
        event.preventDefault();
        form.requestSubmit(button);
      }
      return;
    }
    const next = document.getElementById("next");
    if (next && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      window.location.assign(next.href);
    }
  });
})();
