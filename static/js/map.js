// The map of a list's places (templates/includes/map_places.html): reads the points from the
// page's JSON block, groups close markers, and opens a short card per place (or per département
// when the server grouped many places, with a link to the map of its places). The page lists the
// places and initiatives without it.
(function () {
  "use strict";

  // An element `tag` holding a link to `url` reading `text`.
  function linked(tag, url, text) {
    var element = document.createElement(tag);
    var link = document.createElement("a");
    link.href = url;
    link.textContent = text;
    element.appendChild(link);
    return element;
  }

  function card(point, labels) {
    var box = document.createElement("div");
    box.className = "map-card";
    var heading = document.createElement("p");
    heading.className = "map-card-title";
    heading.textContent = point.name + " (" + point.count + ")";
    box.appendChild(heading);
    var list = document.createElement("ul");
    point.initiatives.forEach(function (initiative) {
      list.appendChild(linked("li", initiative.url, initiative.title));
    });
    if (point.initiatives.length) {
      box.appendChild(list);
    }
    var more = point.count - point.initiatives.length;
    if (point.url) {
      // A group of places (a département…): the map of them.
      box.appendChild(linked("p", point.url, labels.zoom));
    } else if (more > 0) {
      var note = document.createElement("p");
      note.textContent = labels.more.replace("%s", more);
      box.appendChild(note);
    }
    return box;
  }

  function show(element) {
    var data = document.getElementById(element.dataset.points);
    if (!data || typeof L === "undefined") {
      return;
    }
    var points = JSON.parse(data.textContent);
    var labels = {
      more: element.dataset.more || "+ %s",
      zoom: element.dataset.zoom || element.dataset.more || "",
    };
    element.replaceChildren();
    element.classList.add("map-ready");
    var map = L.map(element, { scrollWheelZoom: false });
    L.tileLayer(element.dataset.tilesUrl, {
      attribution: element.dataset.tilesAttribution,
      maxZoom: 18,
    }).addTo(map);
    var group = L.markerClusterGroup
      ? L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 50 })
      : L.featureGroup();
    var bounds = [];
    points.forEach(function (point) {
      var position = [point.lat, point.lon];
      var name = point.name + " (" + point.count + ")";
      // Drawn by CSS rather than Leaflet's image, whose address the static files' hashed
      // names hide from it.
      var marker = L.marker(position, {
        title: name,
        keyboard: true,
        icon: L.divIcon({
          className: "map-marker",
          html: "<span>" + Number(point.count) + "</span>",
          iconSize: [30, 30],
        }),
      });
      marker.on("add", function () {
        var icon = marker.getElement();
        icon.setAttribute("role", "button");
        icon.setAttribute("aria-label", name);
      });
      marker.bindPopup(card(point, labels));
      group.addLayer(marker);
      bounds.push(position);
    });
    map.addLayer(group);
    if (bounds.length === 1) {
      map.setView(bounds[0], 10);
    } else {
      map.fitBounds(bounds, { padding: [20, 20], maxZoom: 12 });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-points]").forEach(show);
  });
})();
