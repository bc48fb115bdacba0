/* Load an animation player's frames when the reader reaches it.
 *
 * book/_ext/lazy_animations.py moves each player's frames into
 * _static/animations/<key>.js, which calls samAnimationFrames(key, frames). Until the
 * frames arrive, the player's name (anim<id>, used by its buttons and slider) is a
 * stand-in that records the calls and starts the loading; they are replayed on the
 * real player. A <script> element, not fetch(), so that the book also works when
 * opened from the file system. */
(function () {
  "use strict";
  var waiting = {};

  window.samAnimationFrames = function (key, frames) {
    var callbacks = waiting[key] || [];
    delete waiting[key];
    callbacks.forEach(function (callback) {
      callback(frames);
    });
  };

  function lazyAnimation(name, imgId, key, url, make) {
    var calls = [];
    var started = false;

    function start() {
      if (started) {
        return;
      }
      started = true;
      (waiting[key] = waiting[key] || []).push(function (frames) {
        var player = make(frames);
        window[name] = player;
        calls.forEach(function (call) {
          player[call[0]].apply(player, call[1]);
        });
      });
      var script = document.createElement("script");
      script.src = url;
      script.async = true;
      document.head.appendChild(script);
    }

    window[name] = new Proxy(
      {},
      {
        get: function (target, method) {
          return function () {
            calls.push([method, Array.prototype.slice.call(arguments)]);
            start();
          };
        },
      },
    );

    var img = document.getElementById(imgId);
    var box = img && img.closest(".animation");
    if (box && "IntersectionObserver" in window) {
      var observer = new IntersectionObserver(
        function (entries) {
          if (entries.some(function (entry) { return entry.isIntersecting; })) {
            observer.disconnect();
            start();
          }
        },
        { rootMargin: "400px 0px" },
      );
      observer.observe(box);
    } else {
      start();
    }
  }

  /* Players parsed before this (deferred) script queued their arguments; later
   * ones, if any, are started as they push. */
  var queued = window.samLazyAnimations || [];
  window.samLazyAnimations = {
    push: function (args) {
      lazyAnimation.apply(null, args);
    },
  };
  queued.forEach(function (args) {
    lazyAnimation.apply(null, args);
  });
})();
