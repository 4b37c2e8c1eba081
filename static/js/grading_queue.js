/* Keyboard for the grading queue: j / k move to the next / previous answer, a accepts the AI
   suggestion of the current answer, e moves to its points field. Keys typed into a field, or
   with a modifier held, are left alone. Without JavaScript every form still works by mouse and
   Tab. After htmx redraws an answer, focus stays on it, so j goes on to the next one. */
(function () {
    "use strict";
    var current = null;

    function items() {
        return Array.from(document.querySelectorAll("[data-queue-item]"));
    }

    function focusItem(item) {
        if (!item) {
            return;
        }
        current = item.id;
        item.focus();
        item.scrollIntoView({block: "nearest"});
    }

    function currentItem() {
        var inside = document.activeElement && document.activeElement.closest("[data-queue-item]");
        return inside || (current && document.getElementById(current)) || null;
    }

    function move(step) {
        var all = items();
        var index = all.indexOf(currentItem());
        var next = index < 0 ? (step > 0 ? 0 : all.length - 1) : index + step;
        focusItem(all[Math.max(0, Math.min(next, all.length - 1))]);
    }

    function typing(target) {
        return target.closest("input, textarea, select, [contenteditable]") !== null;
    }

    document.addEventListener("keydown", function (event) {
        if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) {
            return;
        }
        var item = currentItem();
        if (event.key === "j" || event.key === "k") {
            move(event.key === "j" ? 1 : -1);
        } else if (event.key === "a" && item) {
            var accept = item.querySelector("[data-queue-accept]");
            if (!accept) {
                return;
            }
            accept.click();
        } else if (event.key === "e" && item) {
            var points = item.querySelector("[data-queue-points] input");
            if (!points) {
                return;
            }
            points.focus();
            points.select();
        } else {
            return;
        }
        event.preventDefault();
    });

    // The redrawn answer replaced the element that had focus: give it back to the answer.
    document.body.addEventListener("htmx:afterSettle", function () {
        var again = current && document.getElementById(current);
        var lost = !document.activeElement || document.activeElement === document.body;
        if (again && lost) {
            focusItem(again);
        }
    });
    document.addEventListener("focusin", function (event) {
        var item = event.target.closest && event.target.closest("[data-queue-item]");
        if (item) {
            current = item.id;
        }
    });
})();
