"""The delivery sensor: a new or changed file in a school's folder starts that school's build.

Every minute it compares each school folder with its cursor (names, sizes, modification times) and,
for folders that changed, the files' sha256 with what the warehouse last ingested
(pipelines/ops/deliveries.py). Every school folder seen gets its partition; one RunRequest per changed
school, for that school's partition of ``school_delivery`` (which runs its partition of ``school_build``);
the run key (school + fingerprint) keeps a delivery from being built twice.
"""

import dagster as dg

from pipelines.ops.deliveries import detect_changes, dump_cursor, load_cursor
from pipelines.ops.jobs import school_delivery_job
from pipelines.resources import PortfolioResource
from pipelines.partitions import SCHOOL_TAG, SCHOOLS


def new_partitions(instance: dg.DagsterInstance, schools: list[str]) -> list[str]:
    known = set(instance.get_dynamic_partitions(SCHOOLS.name))
    return [school for school in schools if school not in known]


@dg.sensor(job=school_delivery_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING,
           description="A new or changed delivery in a school's folder starts that school's build.")
def school_deliveries_sensor(context: dg.SensorEvaluationContext, portfolio: PortfolioResource):
    changes = detect_changes(portfolio.source_path, load_cursor(context.cursor), portfolio.warehouse_path)
    added = new_partitions(context.instance, changes.schools)
    if changes.undecided:
        context.log.info(f"倉儲忙碌中，下次再比對：{', '.join(changes.undecided)}")
    requests = [
        dg.RunRequest(run_key=f"{school}:{fingerprint}", partition_key=school, tags={SCHOOL_TAG: school})
        for school, fingerprint in sorted(changes.changed.items())
    ]
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[SCHOOLS.build_add_request(added)] if added else [],
        cursor=dump_cursor(changes.cursor),
        skip_reason=None if requests else dg.SkipReason(
            f"{len(changes.schools)} 校的交付都沒有變更" if changes.schools else f"{portfolio.source_path} 下沒有學校資料夾"),
    )


OPS_SENSORS = [school_deliveries_sensor]
