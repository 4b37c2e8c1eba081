/* Character counters for answers with a limit: the help text under the input ("Up to 2,000
   characters.") becomes "1,234 of 2,000 characters", and turns into a warning past the limit.
   Screen readers hear the count through a polite live region, only once typing pauses, so that
   they are not interrupted at every key. Without JavaScript the help text still says the limit. */
(function () {
    "use strict";
    var format = new Intl.NumberFormat();
    var PAUSE_MS = 1000;

    function attach(input) {
        var limit = parseInt(input.getAttribute("data-char-limit"), 10);
        var help = document.getElementById(input.id + "_helptext");
        if (!help || !limit) {
            return;
        }
        var live = document.createElement("span");
        live.className = "visually-hidden";
        live.setAttribute("aria-live", "polite");
        help.after(live);
        var timer = null;

        function update(announce) {
            var used = Array.from(input.value).length;  // code points, as the server counts
            var over = used - limit;
            help.textContent = format.format(used) + " of " + format.format(limit) + " characters" +
                (over > 0 ? ": " + format.format(over) + " too many" : "");
            help.classList.toggle("over-limit", over > 0);
            clearTimeout(timer);
            if (announce) {
                timer = setTimeout(function () { live.textContent = help.textContent; }, PAUSE_MS);
            }
        }

        input.addEventListener("input", function () { update(true); });
        update(false);
    }

    document.querySelectorAll("[data-char-limit]").forEach(attach);
})();
