"""Airflow DAGs: hourly claimwire fetch, then a report; a daily compaction. Copy into your dags/ folder.

State and output live on a disk the worker can write; with several Airflow
workers, pin this DAG to one queue or put the output on shared storage. The
claimwire run lock refuses an overlapping run with exit status 2, which
Airflow shows as a failed try (max_active_runs=1 avoids it in the first place).
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

CLAIMWIRE = "/srv/claimwire/.venv/bin/claimwire"
OUTPUT = "/srv/news"
STATE = "/srv/news/.state"

with DAG(
    dag_id="claimwire_fetch",
    start_date=datetime(2026, 1, 1),
    schedule="@hourly",
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": timedelta(minutes=5)},
) as dag:
    fetch = BashOperator(
        task_id="fetch",
        bash_command=f"{CLAIMWIRE} fetch --feeds /srv/claimwire/feeds.txt --output {OUTPUT} --state {STATE} --quiet",
        execution_timeout=timedelta(minutes=50),
    )
    report = BashOperator(task_id="report", bash_command=f"{CLAIMWIRE} report --output {OUTPUT}")
    fetch >> report

# Once a day: merge the small files of the published tables and vacuum (the hourly runs compact
# their own index; README, Compaction). The same lock as a run: max_active_runs keeps one at a time.
with DAG(
    dag_id="claimwire_compact",
    start_date=datetime(2026, 1, 1),
    schedule="37 3 * * *",
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=20)},
) as compact_dag:
    BashOperator(
        task_id="compact",
        bash_command=f"{CLAIMWIRE} compact --output {OUTPUT} --state {STATE} --log-level WARNING",
        execution_timeout=timedelta(minutes=50),
    )
