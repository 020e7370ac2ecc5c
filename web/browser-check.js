// Runs before the pages (a classic script, understood by any browser). The pages need import
// maps (Chrome/Edge 89+, Firefox 108+, Safari 16.4+); an older browser would otherwise show
// "loading" forever, so say plainly what to do instead.
(function () {
  var ok = typeof HTMLScriptElement !== 'undefined' && HTMLScriptElement.supports && HTMLScriptElement.supports('importmap');
  if (ok) return;
  document.addEventListener('DOMContentLoaded', function () {
    var app = document.getElementById('app');
    if (!app) return;
    app.innerHTML =
      '<div class="splash"><div class="empty"><p class="empty-title">浏览器版本过旧</p>' +
      '<p class="empty-hint">请使用新版 Chrome、Edge、Firefox 或 Safari，或将手机浏览器更新到最新版本后再打开本页。</p>' +
      '<p class="empty-hint" lang="en">This browser is too old for these pages. Please use a current Chrome, Edge, Firefox or Safari.</p></div></div>';
  });
})();
