"""python manage.py allocate_call CALL [--dry-run] [--time-limit S] [--as USERNAME]

Propose a call's allocation, as the allocation page does: the set of applications with the
highest total score within every envelope (and the repeat-winner rule), the greedy ranking
beside it, why they differ, and the equity indices before and after. Without --dry-run the
proposal is kept (the committee's decisions are recorded against the latest one).
"""

from django.core.management.base import BaseCommand, CommandError

from matching import allocation, services
from matching.errors import ServiceError
from matching.models import Call, User
from matching.web.allocation_view import present


class Command(BaseCommand):
    help = "Propose the allocation of a call (its code or id) beside the greedy ranking."

    def add_arguments(self, parser):
        parser.add_argument("call", help="the call's code or id")
        parser.add_argument("--dry-run", action="store_true",
                            help="show the proposal without keeping it")
        parser.add_argument("--time-limit", type=float, default=allocation.DEFAULT_TIME_LIMIT,
                            help="seconds the solver may take (default %(default)s)")
        parser.add_argument("--as", dest="username",
                            help="the administrator who proposes (default: the call's author)")

    def handle(self, *args, **options):
        key = options["call"]
        call = Call.objects.filter(code=key).first() or (
            Call.objects.filter(pk=int(key)).first() if key.isdecimal() else None)
        if call is None:
            raise CommandError(f"no call {key!r}")
        actor = call.created_by
        if options["username"]:
            actor = User.objects.filter(username=options["username"]).first()
            if actor is None:
                raise CommandError(f"no user {options['username']!r}")
        try:
            run = services.allocation_propose(actor=actor, call=call, dry_run=options["dry_run"],
                                              time_limit=options["time_limit"])
        except ServiceError as error:
            raise CommandError(error.message) from None
        view = present(run, call.scheme.currency)
        out = self.stdout.write
        out(f"call {call.code}: {len(run.items)} applications allocated, "
            f"{len(run.excluded)} left out")
        out(f"proposal ({run.method}): score {view['score']}, {len(run.chosen)} funded, "
            + ("proven optimal" if run.optimal else
               f"within {view['gap_percent']} % of the bound {view['bound']}")
            + f", {run.seconds:.2f} s")
        out(f"greedy ranking: score {view['greedy_score']}, {len(run.greedy_chosen)} funded, "
            f"{run.greedy_seconds:.3f} s (the proposal gains {view['gain']})")
        for row in view["rows"]:
            marks = ("P" if row["proposed"] else "-") + ("G" if row["greedy"] else "-")
            score = "" if row["score"] is None else f"{row['score'] / 100:.2f}"
            out(f"  {marks} {row['application'].project.code:<18} {score:>7}  "
                f"{row['excluded'] or ''}")
        for text in view["explanations"]:
            out(f"  · {text}")
        equity = run.equity
        for name in ("before", "proposal", "greedy"):
            out(f"equity {name:<8} Gini {equity[name]['gini']}  Theil {equity[name]['theil']}")
        out(f"districts counted {equity['counted']}, left out (no population) "
            f"{equity['left_out']}")
        out("dry run: nothing kept" if options["dry_run"] else f"kept as proposal {run.pk}")
