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

// Ordered rows of a form (the listing editor): each [data-row] inside [data-rows] has a
// "Position" number input (…-ORDER); the up and down buttons move the row and renumber
// every row, so the posted numbers follow what the provider sees.
(function () {
  var lists = document.querySelectorAll("[data-rows]");
  if (!lists.length) return;
  function renumber(list) {
    list.querySelectorAll("[data-row]").forEach(function (row, index) {
      var order = row.querySelector("input[name$='-ORDER']");
      if (order && (order.value !== "" || !row.classList.contains("row-card--new"))) order.value = index + 1;
    });
  }
  lists.forEach(function (list) {
    list.querySelectorAll("[data-move]").forEach(function (button) { button.hidden = false; });
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-rows] [data-move]");
    if (!button) return;
    var row = button.closest("[data-row]");
    var list = row.parentElement;
    if (button.dataset.move === "-1" && row.previousElementSibling) {
      list.insertBefore(row, row.previousElementSibling);
    } else if (button.dataset.move === "1" && row.nextElementSibling) {
      list.insertBefore(row.nextElementSibling, row);
    }
    renumber(list);
    button.focus();
  });
})();

// Thumbnails of the images chosen for upload: <input type="file" multiple data-previews="#box">.
(function () {
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-previews]")) return;
    var box = document.querySelector(input.dataset.previews);
    if (!box) return;
    var images = Array.prototype.filter.call(input.files || [], function (file) {
      return file.type.startsWith("image/");
    }).map(function (file) {
      var img = document.createElement("img");
      img.alt = file.name;
      img.src = URL.createObjectURL(file);
      return img;
    });
    box.replaceChildren.apply(box, images);
  });
})();
