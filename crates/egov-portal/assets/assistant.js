// The assistant page without a reload: the question goes to /api/v1/assistant/ask and the answer is added to
// the conversation. Without JavaScript the same form posts and the page answers; nothing here is required.
"use strict";
(function () {
  var form = document.getElementById("ask-form");
  var log = document.getElementById("conversation");
  if (!form || !log || !window.fetch) return;
  var field = form.querySelector("textarea[name=question]");
  var handoverText = document.getElementById("appeal-text");
  var handoverAgency = document.getElementById("appeal-agency");

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function cite(n) {
    var a = el("a", { href: "#source-" + n }, "[" + n + "]");
    return a;
  }

  function render(question, a) {
    var box = el("section", { "class": "exchange" });
    var asked = el("p", { "class": "asked" });
    asked.appendChild(el("span", { "class": "meta" }, form.getAttribute("data-asked") + ": "));
    asked.appendChild(el("q", {}, question));
    box.appendChild(asked);
    box.appendChild(el("p", { "class": "answer-message answer-" + a.outcome, lang: a.lang }, a.message));
    if (a.service) {
      var s = el("div", { "class": "service-hint", lang: a.lang });
      s.appendChild(el("h3", {}, a.service.title));
      s.appendChild(el("p", { "class": "meta" }, a.service.agency_name));
      var d = el("p", {}, a.service.description + " ");
      d.appendChild(cite(a.service.source));
      s.appendChild(d);
      var links = el("p");
      if (a.service.link) {
        links.appendChild(el("a", { "class": "button", href: a.service.link, rel: "noopener" }, form.getAttribute("data-use")));
        links.appendChild(document.createTextNode(" "));
      }
      links.appendChild(el("a", { href: a.service.url }, form.getAttribute("data-about")));
      s.appendChild(links);
      box.appendChild(s);
    }
    if (a.sentences.length) {
      var text = el("div", { "class": "answer-text", lang: a.lang });
      a.sentences.forEach(function (s) {
        var p = el("p", {}, s.text + " ");
        p.appendChild(cite(s.source));
        text.appendChild(p);
      });
      box.appendChild(text);
    }
    if (a.sources.length) {
      box.appendChild(el("h3", {}, form.getAttribute("data-sources")));
      var ol = el("ol", { "class": "sources" });
      a.sources.forEach(function (s) {
        var li = el("li", { id: "source-" + s.n });
        var link = el("a", { href: s.url }, s.title);
        if (s.other_lang) link.setAttribute("lang", s.lang);
        li.appendChild(link);
        li.appendChild(el("span", { "class": "meta" }, " — " + s.agency_name + (s.date ? ", " + s.date : "")));
        ol.appendChild(li);
      });
      box.appendChild(ol);
    }
    // Each new exchange replaces the source numbers of the previous one.
    Array.prototype.forEach.call(log.querySelectorAll("[id^=source-]"), function (n) { n.removeAttribute("id"); });
    log.appendChild(box);
    if (handoverText) handoverText.value = question;
    if (handoverAgency && a.agency) handoverAgency.value = a.agency;
    if (a.outcome !== "answered") {
      var details = document.querySelector("#handover details");
      if (details) details.open = true;
    }
  }

  form.addEventListener("submit", function (ev) {
    var question = field.value;
    ev.preventDefault();
    var status = el("p", { "class": "meta", role: "status" }, form.getAttribute("data-working"));
    log.appendChild(status);
    fetch("/api/v1/assistant/ask", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ question: question, lang: form.getAttribute("data-lang") })
    }).then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      return r.json();
    }).then(function (a) {
      status.remove();
      render(question, a);
      field.value = "";
      field.focus();
    }).catch(function () {
      // Anything unexpected: fall back to the plain form post.
      status.remove();
      form.submit();
    });
  });
})();
