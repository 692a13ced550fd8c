// Suggests communes in the « Près de » field as one types (from /initiatives/communes.json).
// Without it, the field still takes a name or a postcode and the page lists the matches.
(function () {
  "use strict";

  function attach(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var url = input.dataset.suggestions;
    if (!list || !url) {
      return;
    }
    var timer = null;
    var asked = "";
    input.addEventListener("input", function () {
      var text = input.value.trim();
      clearTimeout(timer);
      if (text.length < 2 || /^\d+$/.test(text) || text === asked) {
        return;
      }
      timer = setTimeout(function () {
        asked = text;
        fetch(url + "?q=" + encodeURIComponent(text), { headers: { Accept: "application/json" } })
          .then(function (response) {
            return response.ok ? response.json() : [];
          })
          .then(function (labels) {
            list.replaceChildren();
            labels.forEach(function (label) {
              var option = document.createElement("option");
              option.value = label;
              list.appendChild(option);
            });
          })
          .catch(function () {});
      }, 200);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-suggestions]").forEach(attach);
  });
})();
