// pinsim timeline: inlined into every timeline.html (TimelineHtml). No library, no network.
(function () {
  'use strict';
  var body = document.body;
  var following = document.getElementById('following');
  var current = null;

  // click a frame tag: highlight that frame everywhere and the rows that mention it
  function follow(pfn) {
    document.querySelectorAll('.f.hl').forEach(function (e) { e.classList.remove('hl'); });
    document.querySelectorAll('tr.has-hl').forEach(function (e) { e.classList.remove('has-hl'); });
    if (pfn === null || pfn === current) {
      current = null;
      body.classList.remove('following');
      following.hidden = true;
      return;
    }
    current = pfn;
    var steps = [];
    document.querySelectorAll('.f[data-pfn="' + pfn + '"]').forEach(function (e) {
      e.classList.add('hl');
      var row = e.closest('tr');
      if (row) {
        row.classList.add('has-hl');
        var s = row.getAttribute('data-step');
        if (row.classList.contains('ev') && s && steps.indexOf(s) < 0) { steps.push(s); }
      }
    });
    body.classList.add('following');
    following.hidden = false;
    following.textContent = 'following frame #' + pfn + ': in the events of step(s) ' + (steps.join(', ') || 'none')
        + ' (click the frame again, or press Esc, to stop)';
  }
  document.addEventListener('click', function (ev) {
    var tag = ev.target.closest ? ev.target.closest('.f[data-pfn]') : null;
    if (tag) {
      ev.preventDefault();
      follow(tag.getAttribute('data-pfn'));
    }
  });
  document.addEventListener('keydown', function (ev) {
    if (ev.key === 'Escape') { follow(null); }
  });

  // the actor filter: an unchecked actor's lane and its events are hidden
  function filter() {
    var hidden = {};
    document.querySelectorAll('.actor-filter').forEach(function (c) {
      if (!c.checked) { hidden[c.getAttribute('data-lane')] = true; }
    });
    document.querySelectorAll('#lanes [data-lane]').forEach(function (e) {
      var h = hidden[e.getAttribute('data-lane')] === true;
      if (e.tagName === 'TR') { e.classList.toggle('filtered', h); } else { e.classList.toggle('hidden-lane', h); }
    });
  }
  document.querySelectorAll('.actor-filter').forEach(function (c) { c.addEventListener('change', filter); });

  // fold and unfold every per-step snapshot
  function fold(open) {
    document.querySelectorAll('tr.snap details').forEach(function (d) { d.open = open; });
  }
  document.getElementById('fold').addEventListener('click', function () { fold(false); });
  document.getElementById('unfold').addEventListener('click', function () { fold(true); });

  // a link to a step (the failing step, a lockdep report) shows its lane even if filtered, and flashes it
  function flash(hash) {
    var row = hash && hash.indexOf('#step-') === 0 ? document.getElementById(hash.substring(1)) : null;
    if (!row) { return; }
    if (row.classList.contains('filtered')) {
      var box = document.querySelector('.actor-filter[data-lane="' + row.getAttribute('data-lane') + '"]');
      if (box) { box.checked = true; filter(); }
    }
    row.classList.remove('target');
    void row.offsetWidth;
    row.classList.add('target');
    row.scrollIntoView({block: 'center'});
  }
  document.querySelectorAll('a[href^="#step-"]').forEach(function (a) {
    a.addEventListener('click', function (ev) {
      ev.preventDefault();
      history.replaceState(null, '', a.getAttribute('href'));
      flash(a.getAttribute('href'));
    });
  });
  flash(location.hash);
  body.setAttribute('data-ready', '1');
})();
