// The archive's search page, and only it, loads this file. Every story of
// every issue is a result of its own: its headline, an excerpt of its text,
// its tags and issue, a link to the story in its issue and one to its source.
// The index is one segment a year (search-index/index.json lists them, newest
// first), written by `gazette build-site` with [site] search = true; what each
// file holds is said in gazette/search_index.py. A query fetches a segment's
// meta.json, the one bucket of terms each of its words needs, and the chunks of
// stories the results shown are in. The site reads fine without any of it.
(function () {
  "use strict";
  var FORMAT = 1; // gazette.search_index.FORMAT
  var PAGE = 30; // results shown
  var PREFIX_WEIGHT = 0.5; // "release" finds "releases", as half a match
  var container = document.getElementById("search");
  var status = document.getElementById("search-status");
  if (!container || !status) {
    return;
  }
  var indexRoot = new URL(container.getAttribute("data-index"), document.baseURI);
  var siteRoot = new URL("../", indexRoot);

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

  // A word, as gazette/search_index.py reads one (its WORD): a run of letters
  // and digits. A new RegExp for each use, since a /g one keeps its place.
  function wordPattern() {
    return /[\p{L}\p{N}]+/gu;
  }

  // The words of a text as the index holds them: NFC, lower case.
  function wordsOf(text) {
    return text.normalize("NFC").toLowerCase().match(wordPattern()) || [];
  }

  // The bucket of every term that starts as `term` does (search_index.bucket_of).
  function bucketOf(term, buckets) {
    var chars = Array.from(term);
    var first = chars[0].codePointAt(0);
    var second = chars.length > 1 ? chars[1].codePointAt(0) : 0;
    return (first * 31 + second) % buckets;
  }

  // A word of a result is a match when it is a query word or, for query words
  // of two letters or more, starts with one.
  function matcher(terms) {
    return function (word) {
      var w = word.normalize("NFC").toLowerCase();
      return terms.some(function (t) {
        return w === t || (t.length > 1 && w.indexOf(t) === 0);
      });
    };
  }

  var files = {};
  function load(path) {
    if (!files[path]) {
      files[path] = fetch(new URL(path, indexRoot).href).then(function (response) {
        if (!response.ok) {
          throw new Error(path + ": " + response.status);
        }
        return response.json();
      });
      files[path].catch(function () {
        delete files[path]; // tried again by the next search
      });
    }
    return files[path];
  }

  function segment(year) {
    return load(year + "/meta.json").then(function (meta) {
      if (meta.format !== FORMAT) {
        throw new Error("the index of " + year + " is from another version");
      }
      return meta;
    });
  }

  // Every story of `year` that has every word of `terms` (as a word or the
  // start of one) and the tag, when one is chosen: [{year, story, score}].
  function matchesIn(year, terms, tag) {
    return segment(year).then(function (meta) {
      var allowed = tag ? meta.tags[tag] || [] : null;
      if (!terms.length) {
        var all = allowed || Array.from({ length: meta.stories }, function (_, i) { return i; });
        return all.map(function (story) {
          return { year: year, story: story, score: 0 };
        });
      }
      var buckets = terms.map(function (term) {
        return load(year + "/terms-" + bucketOf(term, meta.buckets) + ".json");
      });
      return Promise.all(buckets).then(function (tables) {
        var scores = null;
        terms.forEach(function (term, i) {
          var weights = new Map();
          Object.keys(tables[i]).forEach(function (key) {
            var factor = key === term ? 1 : term.length > 1 && key.indexOf(term) === 0 ? PREFIX_WEIGHT : 0;
            if (!factor) {
              return;
            }
            var postings = tables[i][key];
            for (var j = 0; j < postings.length; j += 2) {
              weights.set(postings[j], (weights.get(postings[j]) || 0) + factor * postings[j + 1]);
            }
          });
          // Rarer words weigh more; many mentions count, with diminishing returns.
          var rarity = Math.log(1 + meta.stories / Math.max(1, weights.size));
          var next = new Map();
          weights.forEach(function (weight, story) {
            if (scores === null || scores.has(story)) {
              next.set(story, (scores ? scores.get(story) : 0) + (rarity * weight) / (weight + 1.2));
            }
          });
          scores = next;
        });
        var chosen = allowed ? new Set(allowed) : null;
        var found = [];
        scores.forEach(function (score, story) {
          if (!chosen || chosen.has(story)) {
            found.push({ year: year, story: story, score: score });
          }
        });
        return found;
      });
    });
  }

  function storyOf(hit) {
    return segment(hit.year).then(function (meta) {
      var chunk = 0;
      while (chunk + 1 < meta.chunks.length && meta.chunks[chunk + 1] <= hit.story) {
        chunk += 1;
      }
      return load(hit.year + "/stories-" + chunk + ".json").then(function (stories) {
        return stories[hit.story - meta.chunks[chunk]];
      });
    });
  }

  // `text` into `node` as text nodes, each match in a <mark>: nothing in a
  // story's text is ever read as HTML.
  function marked(node, text, isMatch) {
    var words = wordPattern();
    var at = 0;
    var found;
    while ((found = words.exec(text))) {
      if (isMatch(found[0])) {
        node.appendChild(document.createTextNode(text.slice(at, found.index)));
        node.appendChild(element("mark", "", found[0]));
        at = found.index + found[0].length;
      }
    }
    node.appendChild(document.createTextNode(text.slice(at)));
    return node;
  }

  // About 30 words of `text` around its first match.
  function excerptOf(text, isMatch) {
    var words = [];
    var pattern = wordPattern();
    var found;
    while ((found = pattern.exec(text))) {
      words.push({ start: found.index, end: found.index + found[0].length, hit: isMatch(found[0]) });
    }
    if (!words.length) {
      return text;
    }
    var first = words.findIndex(function (w) { return w.hit; });
    var from = Math.max(0, first - 10);
    var to = Math.min(words.length, from + 30);
    var start = from === 0 ? 0 : words[from].start;
    var end = to === words.length ? text.length : words[to - 1].end;
    return (start > 0 ? "… " : "") + text.slice(start, end) + (end < text.length ? " …" : "");
  }

  function resultItem(story, isMatch) {
    var item = element("li", "search-result");
    var heading = element("h2", "search-result-title");
    var link = marked(element("a", "search-result-link"), story.title || story.url, isMatch);
    link.href = new URL(story.url, siteRoot).href;
    heading.appendChild(link);
    item.appendChild(heading);
    var issue = element("p", "search-result-issue");
    var issueLink = element("a", "", story.issue != null ? "Issue #" + story.issue : "The issue");
    issueLink.href = new URL(story.url.split("#")[0], siteRoot).href;
    issue.appendChild(issueLink);
    issue.appendChild(document.createTextNode(" · " + story.date + " · " + story.issue_title));
    item.appendChild(issue);
    if (story.text) {
      item.appendChild(marked(element("p", "search-result-excerpt"), excerptOf(story.text, isMatch), isMatch));
    }
    var source = safeHref(story.source || "");
    var tags = (story.tags || []).join(", ");
    if (source || tags) {
      var extra = element("p", "search-result-extra");
      if (tags) {
        extra.appendChild(document.createTextNode("Tags: " + tags));
      }
      if (source) {
        if (tags) {
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

  function start(listing) {
    var latest = 0;
    function run() {
      var terms = Array.from(new Set(wordsOf(input.value)));
      var tag = selects.tag.value;
      var year = selects.year.value;
      var ticket = ++latest;
      if (!terms.length && !tag && !year) {
        results.textContent = "";
        say("");
        return;
      }
      var years = year ? [year] : listing.years;
      Promise.all(years.map(function (y) { return matchesIn(y, terms, tag); }))
        .then(function (perYear) {
          var hits = [].concat.apply([], perYear);
          // The best first; the newest first among equals, and without a query.
          var order = listing.years;
          hits.sort(function (a, b) {
            return b.score - a.score || order.indexOf(a.year) - order.indexOf(b.year) || b.story - a.story;
          });
          return Promise.all(hits.slice(0, PAGE).map(storyOf)).then(function (stories) {
            return { stories: stories, total: hits.length };
          });
        })
        .then(function (found) {
          if (ticket !== latest) {
            return;
          }
          var isMatch = matcher(terms);
          results.textContent = "";
          found.stories.forEach(function (story) {
            results.appendChild(resultItem(story, isMatch));
          });
          var total = found.total;
          if (!total) {
            say("No results");
          } else {
            var count = total + (total === 1 ? " story" : " stories");
            say(total > PAGE ? count + "; the first " + PAGE + " are shown" : count);
          }
        })
        .catch(function () {
          if (ticket === latest) {
            say("Search failed: the index could not be read. Try again.");
          }
        });
    }
    (listing.tags || []).forEach(function (value) {
      selects.tag.appendChild(new Option(value, value));
    });
    listing.years.forEach(function (value) {
      selects.year.appendChild(new Option(value, value));
    });
    var query = new URLSearchParams(window.location.search).get("q");
    if (query && !input.value) {
      input.value = query;
    }
    search = run;
    run();
  }

  // Listening from the start: a reader may type before the index's list has
  // loaded, and the first search runs as soon as it has.
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

  load("index.json")
    .then(function (listing) {
      if (listing.format !== FORMAT || !(listing.years || []).length) {
        throw new Error("no index");
      }
      start(listing);
    })
    .catch(unavailable);
})();
