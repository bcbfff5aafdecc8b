// The content editor's helpers: a Markdown toolbar, inserting images from the agency's library, and a live
// preview rendered by the server (the same rendering and sanitizing as saving). Without JavaScript the form
// still works: the toolbar stays hidden and the preview appears after saving.
(function () {
  "use strict";
  var form = document.querySelector("form.cms-form");
  if (!form) return;
  var csrf = form.getAttribute("data-csrf") || "";
  var lastFocused = form.querySelector("textarea.md-source");

  function wrap(area, before, after, placeholder) {
    var s = area.selectionStart, e = area.selectionEnd;
    var picked = area.value.slice(s, e) || placeholder;
    area.setRangeText(before + picked + after, s, e, "end");
    area.focus();
    area.dispatchEvent(new Event("input"));
  }

  function linePrefix(area, prefix) {
    var s = area.selectionStart;
    var lineStart = area.value.lastIndexOf("\n", s - 1) + 1;
    area.setRangeText(prefix, lineStart, lineStart, "end");
    area.focus();
    area.dispatchEvent(new Event("input"));
  }

  var actions = {
    bold: function (a) { wrap(a, "**", "**", "text"); },
    italic: function (a) { wrap(a, "_", "_", "text"); },
    heading: function (a) { linePrefix(a, "## "); },
    list: function (a) { linePrefix(a, "- "); },
    link: function (a) { wrap(a, "[", "](https://)", "link text"); },
    table: function (a) { wrap(a, "\n\n| Column | Column |\n|---|---|\n| ", " |  |\n\n", "cell"); }
  };

  form.querySelectorAll(".md-toolbar").forEach(function (bar) {
    bar.hidden = false;
    var area = document.getElementById(bar.getAttribute("data-for"));
    bar.addEventListener("click", function (ev) {
      var b = ev.target.closest("button[data-md]");
      if (b && area && actions[b.getAttribute("data-md")]) actions[b.getAttribute("data-md")](area);
    });
  });

  form.querySelectorAll(".insert-image").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () {
      if (lastFocused) wrap(lastFocused, "\n\n" + b.getAttribute("data-md-image") + "\n\n", "", "");
    });
  });

  function preview(area) {
    var target = document.getElementById(area.getAttribute("data-preview"));
    if (!target) return;
    var body = new URLSearchParams();
    body.set("csrf", csrf);
    body.set("source", area.value);
    fetch("/admin/content/preview", { method: "POST", body: body, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { target.innerHTML = html; })
      .catch(function () {});
  }

  form.querySelectorAll("textarea.md-source").forEach(function (area) {
    var timer = null;
    area.addEventListener("focus", function () { lastFocused = area; });
    area.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { preview(area); }, 300);
    });
    if (area.value.trim()) preview(area);
  });
})();
