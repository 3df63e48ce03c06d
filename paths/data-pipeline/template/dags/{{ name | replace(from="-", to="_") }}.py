"""Airflow DAG of the {{ name }} data product (paved path: data-pipeline 1).

build:   dbt-ol build: seeds (bronze), staging (silver), gold, with every dbt test and the gold
         contract; dbt-ol wraps dbt and emits OpenLineage events to the endpoint of openlineage.yml.
quality: the Soda data contract on the gold table (schema, row count, missing, duplicates, freshness).
"""

from __future__ import annotations

import os
from datetime import timedelta

import pendulum

try:  # Airflow 3
    from airflow.providers.standard.operators.bash import BashOperator
    from airflow.sdk import DAG, Asset
except ImportError:  # Airflow 2.x
    from airflow import DAG
    from airflow.datasets import Dataset as Asset
    from airflow.operators.bash import BashOperator

PROJECT_DIR = os.environ.get("{{ name | replace(from="-", to="_") | upper }}_PROJECT_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))
WAREHOUSE = os.environ.get("{{ name | replace(from="-", to="_") | upper }}_WAREHOUSE", os.path.join(PROJECT_DIR, "warehouse.duckdb"))

ENV = {
    "DBT_DUCKDB_PATH": WAREHOUSE,
    "DBT_PROFILES_DIR": PROJECT_DIR,
    "OPENLINEAGE_CONFIG": os.path.join(PROJECT_DIR, "openlineage.yml"),
    "OPENLINEAGE_NAMESPACE": "{{ name }}",
    "SODA_CORE_TELEMETRY_ENABLED": "false",
    "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
}

GOLD = Asset("duckdb://{{ name }}/gold/orders_daily")

with DAG(
    dag_id="{{ name | replace(from="-", to="_") }}",
    description="{{ name }}: bronze -> silver -> gold with dbt, checked by Soda, lineage by OpenLineage",
    schedule="{{ schedule }}",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={
        "owner": "{{ owner }}",
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "retry_exponential_backoff": True,
        "execution_timeout": timedelta(hours=1),
    },
    tags=["paved:data-pipeline", "owner:{{ owner }}", "zone:gold"],
) as dag:
    build = BashOperator(
        task_id="dbt_build",
        bash_command="dbt-ol build --profiles-dir . --target dev",
        cwd=PROJECT_DIR,
        env=ENV,
    )
    quality = BashOperator(
        task_id="soda_checks",
        bash_command="soda contract verify --data-source soda/datasource.yml --contract soda/checks.yml",
        cwd=PROJECT_DIR,
        env=ENV,
        outlets=[GOLD],
    )
    build >> quality
