// Small enhancements; every page works without them.
// Close the open user menu when clicking elsewhere or pressing Escape.
(function () {
  function closeMenus(except) {
    document.querySelectorAll("details.user-menu[open]").forEach(function (menu) {
      if (menu !== except) menu.removeAttribute("open");
    });
  }
  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest("details.user-menu"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeMenus(null);
  });
})();

// Show a chosen image before it is uploaded: <input type="file" data-preview="#target">.
// The server still checks and re-encodes the file; this is only a preview.
(function () {
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-preview]")) return;
    var target = document.querySelector(input.dataset.preview);
    var file = input.files && input.files[0];
    if (!target || !file || !file.type.startsWith("image/")) return;
    var img = document.createElement("img");
    img.className = "avatar avatar--lg";
    img.alt = "";
    img.src = URL.createObjectURL(file);
    target.replaceChildren(img);
  });
})();

// Quantity steppers: <div data-stepper> with buttons data-step="±1" around a number input.
(function () {
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-stepper] [data-step]");
    if (!button) return;
    var input = button.parentElement.querySelector("input[type=number]");
    var min = Number(input.min || 1), max = Number(input.max || 99);
    var value = Math.min(max, Math.max(min, (parseInt(input.value, 10) || min) + Number(button.dataset.step)));
    if (String(value) === input.value) return;
    input.value = value;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });
})();

// Filter panels start open on wide screens and folded on phones.
(function () {
  if (!window.matchMedia("(min-width: 768px)").matches) return;
  document.querySelectorAll("details[data-open-wide]").forEach(function (details) {
    details.open = true;
  });
})();

// Countdown to a deadline: <span data-countdown="2026-11-24T10:30:00+08:00" data-expired="…">.
(function () {
  var clocks = document.querySelectorAll("[data-countdown]");
  if (!clocks.length) return;
  function pad(n) { return n < 10 ? "0" + n : "" + n; }
  function tick() {
    clocks.forEach(function (clock) {
      var left = Math.floor((Date.parse(clock.dataset.countdown) - Date.now()) / 1000);
      if (left <= 0) { clock.textContent = clock.dataset.expired || ""; return; }
      var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
      clock.textContent = (h ? h + ":" + pad(m) : pad(m)) + ":" + pad(s);
    });
  }
  tick();
  setInterval(tick, 1000);
})();
