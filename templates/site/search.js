// The archive's search page, and only it, loads this file. Every story of
// every issue is a result of its own: its headline, summary, tags and issue,
// a link to the story in its issue and one to its source. The index is one
// Pagefind bundle a year (pagefind/bundles.json lists them, newest first),
// written by `gazette build-site` with [site] search = true; this script loads
// Pagefind from the newest and merges the others, and Pagefind fetches only the
// chunks a query needs. The site reads fine without any of it.
(function () {
  "use strict";
  var container = document.getElementById("search");
  var status = document.getElementById("search-status");
  if (!container || !status) {
    return;
  }
  var bundleRoot = new URL(container.getAttribute("data-bundle"), document.baseURI);
  var siteRoot = new URL("../", bundleRoot);

  function say(text) {
    status.textContent = text;
    status.hidden = !text;
  }

  function unavailable() {
    say(
      "Search is not available: the search index was not built. " +
        "Every issue is listed in the archive and by tag."
    );
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function unescapeHtml(text) {
    return text.replace(/&(lt|gt|quot|#39|#x27|amp);/g, function (all, name) {
      return { lt: "<", gt: ">", quot: '"', "#39": "'", "#x27": "'", amp: "&" }[name];
    });
  }

  function safeHref(raw) {
    try {
      var url = new URL(raw);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : "";
    } catch (error) {
      return "";
    }
  }

  var form = element("form", "search-form");
  form.setAttribute("role", "search");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
  });
  var label = element("label", "search-label", "Search every story");
  label.htmlFor = "search-input";
  var input = element("input", "search-input");
  input.id = "search-input";
  input.type = "search";
  input.autocomplete = "off";
  form.appendChild(label);
  form.appendChild(input);
  var selects = {};
  [
    ["tag", "Tag", "Any tag"],
    ["year", "Year", "Any year"],
  ].forEach(function (spec) {
    var wrap = element("p", "search-filter");
    var filterLabel = element("label", "", spec[1]);
    var select = element("select", "");
    select.id = "search-" + spec[0];
    filterLabel.htmlFor = select.id;
    select.appendChild(new Option(spec[2], ""));
    wrap.appendChild(filterLabel);
    wrap.appendChild(select);
    form.appendChild(wrap);
    selects[spec[0]] = select;
  });
  var results = element("ol", "search-results");
  container.appendChild(form);
  container.appendChild(results);

  function resultItem(data) {
    var meta = data.meta || {};
    var item = element("li", "search-result");
    var heading = element("h2", "search-result-title");
    var link = element("a", "search-result-link", meta.title || data.url);
    link.href = new URL(data.url, siteRoot).href;
    heading.appendChild(link);
    item.appendChild(heading);
    var issue = element("p", "search-result-issue");
    var issueLink = element("a", "", meta.issue ? "Issue #" + meta.issue : "The issue");
    issueLink.href = new URL(data.url.split("#")[0], siteRoot).href;
    issue.appendChild(issueLink);
    issue.appendChild(document.createTextNode(" · " + (meta.date || "") + " · " + (meta.issue_title || "")));
    item.appendChild(issue);
    var excerpt = element("p", "search-result-excerpt");
    // Pagefind's excerpt is the record's text, HTML-escaped, with <mark> around
    // the matches: rebuilt here from text nodes, so nothing in it can run.
    (data.excerpt || "").split(/(<mark>|<\/mark>)/).reduce(function (marked, part) {
      if (part === "<mark>") {
        return true;
      }
      if (part === "</mark>") {
        return false;
      }
      var text = unescapeHtml(part);
      excerpt.appendChild(marked ? element("mark", "", text) : document.createTextNode(text));
      return marked;
    }, false);
    item.appendChild(excerpt);
    var source = safeHref(meta.source || "");
    if (source || meta.tags) {
      var extra = element("p", "search-result-extra");
      if (meta.tags) {
        extra.appendChild(document.createTextNode("Tags: " + meta.tags));
      }
      if (source) {
        if (meta.tags) {
          extra.appendChild(document.createTextNode(" · "));
        }
        var sourceLink = element("a", "search-result-source", "Source");
        sourceLink.href = source;
        extra.appendChild(sourceLink);
      }
      item.appendChild(extra);
    }
    return item;
  }

  var PAGE = 30; // results shown
  var SCAN = 300; // results read at most to find those with the chosen tag

  function start(pagefind, others, listing) {
    var latest = 0;
    function run() {
      var query = input.value.trim();
      var tag = selects.tag.value;
      var year = selects.year.value;
      var ticket = ++latest;
      if (!query && !tag && !year) {
        results.textContent = "";
        say("");
        return;
      }
      // Without a query, every story of the chosen years (all, or one).
      var years = year ? [year] : listing.bundles;
      pagefind
        .search(query || null, { filters: { year: { any: years } } })
        .then(function (found) {
          // Pagefind filters by year; the tag is read from each result's
          // metadata (see gazette/search_records.py for why).
          var candidates = found.results.slice(0, tag ? SCAN : PAGE);
          return Promise.all(candidates.map(function (r) { return r.data(); }));
        })
        .then(function (datas) {
          if (ticket !== latest) {
            return;
          }
          var shown = datas.filter(function (data) {
            var tags = ((data.meta || {}).tags || "").split(", ");
            return !tag || tags.indexOf(tag) >= 0;
          });
          if (!query) {
            shown.sort(function (a, b) {
              return (b.meta.date_iso || "").localeCompare(a.meta.date_iso || "");
            });
          }
          shown = shown.slice(0, PAGE);
          results.textContent = "";
          shown.forEach(function (data) {
            results.appendChild(resultItem(data));
          });
          var count = shown.length + (shown.length === PAGE ? "+" : "");
          say(shown.length ? count + (shown.length === 1 ? " story" : " stories") : "No results");
        });
    }
    Promise.all(others).then(function () {
      (listing.tags || []).forEach(function (value) {
        selects.tag.appendChild(new Option(value, value));
      });
      listing.bundles.forEach(function (value) {
        selects.year.appendChild(new Option(value, value));
      });
      var query = new URLSearchParams(window.location.search).get("q");
      if (query && !input.value) {
        input.value = query;
      }
      search = run;
      run();
    });
  }

  // Listening from the start: a reader may type before Pagefind has loaded,
  // and the first search runs as soon as it has.
  var search = function () {};
  input.addEventListener("input", function () {
    search();
  });
  Object.keys(selects).forEach(function (name) {
    selects[name].addEventListener("change", function () {
      search();
    });
  });
  input.focus();

  fetch(new URL("bundles.json", bundleRoot).href)
    .then(function (response) {
      if (!response.ok) {
        throw new Error("no index");
      }
      return response.json();
    })
    .then(function (listing) {
      var bundles = listing.bundles || [];
      if (!bundles.length) {
        throw new Error("empty index");
      }
      var first = new URL(bundles[0] + "/", bundleRoot);
      return import(new URL("pagefind.js", first).href).then(function (pagefind) {
        return pagefind.options({ basePath: first.pathname, baseUrl: siteRoot.pathname, excerptLength: 30 }).then(function () {
          var others = bundles.slice(1).map(function (year) {
            return pagefind.mergeIndex(new URL(year + "/", bundleRoot).pathname);
          });
          start(pagefind, others, { bundles: bundles, tags: listing.tags || [] });
        });
      });
    })
    .catch(unavailable);
})();
