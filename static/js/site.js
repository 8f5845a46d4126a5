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
