"""Match recomputation for all projects of a fiscal year against the pure rules computation
alone on the same inputs."""

from .common import Line, best_of, count_queries


def run(year: int) -> list[Line]:
    from matching.models import User
    from matching.services.recompute import drifted, matches_recompute, year_inputs

    admin = User.objects.get(username="admin")
    inputs = year_inputs(year)

    def full():
        return matches_recompute(fiscal_year=year, actor=admin)

    def pure():
        return drifted(*inputs)

    summary = full()
    measured, base = best_of(full, 3), best_of(pure, 3)
    queries = count_queries(full)
    return [Line("match recomputation (fiscal year)", measured, base, "s", "<= 3 x pure rules",
                 measured <= 3 * base, str(queries),
                 f"({summary.projects} projects, {len(summary.changed)} corrected)")]
