/* The list's filters where JavaScript runs: a filter applies itself when ticked, the count of
   results follows (announced by the panel's status line), long option lists narrow to what is
   typed. The address stays the list's parameters, so a list can be shared and the back button
   goes back. Without this script the form does all of it by GET, with its apply button. */
(function () {
  "use strict";

  var form = document.querySelector("form.list-layout");
  if (!form || !window.fetch || !window.DOMParser || !window.URLSearchParams) {
    return;
  }
  var pending = null;
  var shown = window.location.pathname + window.location.search;

  function fold(text) {
    // Accents and case aside: « ile » finds « Île-de-France ».
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }

  function narrow(search) {
    var group = search.closest("fieldset");
    var wanted = fold(search.value);
    var more = group.querySelector(".more-options");
    if (wanted && more) {
      more.open = true;
    }
    group.querySelectorAll(".choices li").forEach(function (item) {
      item.hidden = wanted !== "" && fold(item.textContent).indexOf(wanted) === -1;
    });
  }

  function enhance() {
    form.querySelectorAll(".option-search").forEach(function (box) {
      box.hidden = false;
      var search = box.querySelector("input");
      search.addEventListener("input", function () {
        narrow(search);
      });
      search.addEventListener("keydown", function (event) {
        if (event.key === "Enter") {
          event.preventDefault(); // narrows the list; never sends the form
        }
      });
      if (search.value) {
        narrow(search);
      }
    });
    form.querySelectorAll(".show-results").forEach(function (link) {
      link.hidden = false;
    });
  }

  function address() {
    // As the form would send it, less what says nothing: empty fields, the default order.
    var sort = form.elements.namedItem("sort");
    var defaultSort = sort && sort.options ? sort.options[0].value : null;
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (value !== "" && !(name === "sort" && value === defaultSort)) {
        params.append(name, value);
      }
    });
    var query = params.toString();
    return window.location.pathname + (query ? "?" + query : "");
  }

  // The state of the filters a reader is using, kept across their replacement.
  function remember() {
    var panel = form.querySelector(".list-filters");
    var focused = document.activeElement;
    var state = {
      open: [],
      searches: {},
      focus: null,
      scroll: panel ? panel.scrollTop : 0,
    };
    form.querySelectorAll(".facet-groups details[id]").forEach(function (details) {
      if (details.open) {
        state.open.push(details.id);
      }
    });
    form.querySelectorAll(".option-search input").forEach(function (search) {
      state.searches[search.id] = search.value;
    });
    if (focused && form.contains(focused)) {
      state.focus = focused.name && focused.type === "checkbox"
        ? "input[name=\"" + CSS.escape(focused.name) + "\"][value=\"" + CSS.escape(focused.value) + "\"]"
        : focused.id ? "#" + CSS.escape(focused.id) : null;
    }
    return state;
  }

  function restore(state) {
    form.querySelectorAll(".facet-groups details[id]").forEach(function (details) {
      details.open = details.open || state.open.indexOf(details.id) !== -1;
    });
    Object.keys(state.searches).forEach(function (id) {
      var search = document.getElementById(id);
      if (search) {
        search.value = state.searches[id];
      }
    });
    enhance();
    var panel = form.querySelector(".list-filters");
    if (panel) {
      panel.scrollTop = state.scroll;
    }
    var focus = state.focus && form.querySelector(state.focus);
    if (focus) {
      focus.focus({ preventScroll: true });
    }
  }

  function replace(selector, fresh) {
    var old = form.querySelector(selector);
    var found = fresh.querySelector(selector);
    if (old && found) {
      old.replaceWith(document.importNode(found, true));
    }
  }

  function show(doc) {
    var fresh = doc.querySelector("form.list-layout");
    var state = remember();
    replace(".list-results", fresh);
    replace(".facet-groups", fresh);
    replace(".filters-summary", fresh);
    // The search and sort as the address says (after going back, they may differ).
    ["q", "sort"].forEach(function (name) {
      var field = form.elements.namedItem(name);
      var value = fresh.querySelector("[name=\"" + name + "\"]");
      if (field && value) {
        field.value = value.value !== undefined ? value.value : "";
      }
    });
    var chips = form.querySelector(".active-filters");
    if (chips) {
      chips.remove();
    }
    var freshChips = fresh.querySelector(".active-filters");
    if (freshChips) {
      form.querySelector(".list-search").after(document.importNode(freshChips, true));
    }
    var status = form.querySelector(".apply-count");
    var freshStatus = fresh.querySelector(".apply-count");
    if (status) {
      status.textContent = freshStatus ? freshStatus.textContent : "";
    }
    document.title = doc.title;
    restore(state);
  }

  function load(url, push) {
    if (pending) {
      pending.abort();
    }
    pending = new AbortController();
    form.setAttribute("aria-busy", "true");
    fetch(url, { signal: pending.signal, credentials: "same-origin" })
      .then(function (response) {
        return response.text().then(function (text) {
          var doc = new DOMParser().parseFromString(text, "text/html");
          if (!doc.querySelector("form.list-layout .list-results")) {
            throw new Error("not a list");
          }
          show(doc);
          if (push) {
            window.history.pushState({ list: true }, "", url);
          }
          shown = window.location.pathname + window.location.search;
          form.removeAttribute("aria-busy");
        });
      })
      .catch(function (error) {
        if (error.name !== "AbortError") {
          window.location.assign(url); // the page as the server gives it, whatever went wrong
        }
      });
  }

  form.classList.add("applies-itself");
  enhance();

  form.addEventListener("change", function (event) {
    var field = event.target;
    if (field.name && (field.type === "checkbox" || field.tagName === "SELECT")) {
      load(address(), true);
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    load(address(), true);
  });
  form.addEventListener("click", function (event) {
    var link = event.target.closest(".show-results");
    if (link) {
      form.querySelector(".filters-panel").open = false; // the results, right under it
    }
  });
  window.addEventListener("popstate", function () {
    // Not when only the fragment changed (« Aller aux résultats »): the list is the same.
    if (window.location.pathname + window.location.search !== shown) {
      load(window.location.pathname + window.location.search, false);
    }
  });
})();
