// The live chat's small enhancements; the chat works without them (forms POST and redirect).
(function () {
  var thread = document.querySelector("[data-chat-thread]");
  if (!thread) return;

  function nearBottom() {
    return thread.scrollHeight - thread.scrollTop - thread.clientHeight < 80;
  }
  function toBottom() {
    thread.scrollTop = thread.scrollHeight;
  }
  toBottom();

  // A poll and a send that cross can both bring the same message: keep the first copy.
  var stick = true;
  document.body.addEventListener("htmx:beforeSwap", function () {
    stick = nearBottom();
  });
  document.body.addEventListener("htmx:afterSettle", function () {
    var seen = {};
    thread.querySelectorAll("[data-message-id]").forEach(function (message) {
      var id = message.dataset.messageId;
      if (seen[id]) message.remove();
      seen[id] = true;
    });
    if (stick) toBottom();
  });

  // The server says the message was sent: empty the box for the next one.
  document.body.addEventListener("chatSent", function () {
    var form = document.getElementById("chat-form");
    if (!form) return;
    form.reset();
    form.querySelector("[data-chat-text]").value = "";
    var preview = document.getElementById("chat-image-preview");
    if (preview) preview.replaceChildren();
    stick = true;
    toBottom();
  });

  // Enter sends, Shift+Enter breaks the line; never while an input method is composing
  // (Chinese pinyin input confirms its candidates with Enter).
  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-chat-text]")) return;
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    if (box.value.trim() || (box.form.image && box.form.image.files.length)) box.form.requestSubmit();
  });
  document.querySelectorAll("[data-chat-hint]").forEach(function (hint) { hint.hidden = false; });

  // Canned replies: a click puts the text in the box (the select is the way without JS).
  document.querySelectorAll("[data-canned-list]").forEach(function (list) { list.hidden = false; });
  document.querySelectorAll("[data-canned-select]").forEach(function (select) { select.hidden = true; });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-canned]");
    if (!button) return;
    var box = document.querySelector("[data-chat-text]");
    if (!box) return;
    box.value = button.dataset.canned;
    box.focus();
  });
})();
