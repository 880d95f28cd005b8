// The queue display refreshes itself: every 5 seconds it reads /queue/board.json and
// redraws the boards. No inline script (strict CSP); the page works without it.
(function () {
  "use strict";
  var root = document.getElementById("boards");
  if (!root || !window.fetch) { return; }
  var text = root.dataset;

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content !== undefined) { node.textContent = content; }
    return node;
  }

  function draw(board) {
    var card = el("section", "card board");
    card.dataset.service = board.service;
    card.appendChild(el("h2", "", board.name));
    var list = el("ul", "serving");
    board.serving.forEach(function (s) {
      var item = el("li");
      item.appendChild(el("span", "board-number", s.number));
      item.appendChild(document.createTextNode(" "));
      item.appendChild(el("span", "board-counter", text.textCounter + " " + s.counter));
      list.appendChild(item);
    });
    if (!board.serving.length) { list.appendChild(el("li", "muted", text.textNone)); }
    card.appendChild(list);
    var meta = el("p", "board-meta");
    meta.appendChild(el("strong", "board-waiting", String(board.waiting)));
    meta.appendChild(document.createTextNode(" " + text.textWaiting + " · "));
    meta.appendChild(el("strong", "board-wait", String(board.wait_minutes)));
    meta.appendChild(document.createTextNode(" " + text.textMinutes));
    card.appendChild(meta);
    return card;
  }

  function refresh() {
    fetch(text.boardUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data) { root.replaceChildren.apply(root, data.boards.map(draw)); }
      })
      .catch(function () { /* keep the last board on a network hiccup */ })
      .finally(function () { setTimeout(refresh, 5000); });
  }

  setTimeout(refresh, 5000);
})();
