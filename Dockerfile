# The image docker-compose.yaml runs: Apache Airflow's official slim image (Airflow and little else),
# the pinned runtime requirements.txt installed on top (the Celery provider, Amazon, Standard, boto3,
# pydantic, the PostgreSQL drivers, ...), and groundwork's runtime code baked in, so that a worker on
# another machine needs nothing but the image (and the config, mounted at run time).
#
#   docker compose build            or      docker build -t groundwork-airflow:3.3.2 .
#
# Targets: `airflow` (the last stage, so the default): api-server, scheduler, dag-processor,
# triggerer, celery workers. `standin`: the local AWS stand-in (moto in server mode with groundwork's
# fixes), built only for the compose profile `standin`; never part of a deployment against AWS.
ARG AIRFLOW_IMAGE=apache/airflow:slim-3.3.2-python3.11

FROM ${AIRFLOW_IMAGE} AS runtime
# requirements.txt pins apache-airflow==3.3.2, the image's own version, so pip keeps Airflow as it is
# and adds or pins what the file names (https://airflow.apache.org/docs/docker-stack/build.html).
COPY requirements.txt /opt/groundwork/requirements.txt
RUN pip install --no-cache-dir -r /opt/groundwork/requirements.txt
# Runtime code only (see pyproject.toml): the DAG files, the Airflow glue (plugins/) and the domain
# package (include/). No tools/, tests or config: the config is the operator's.
COPY dags /opt/groundwork/dags
COPY plugins /opt/groundwork/plugins
COPY include /opt/groundwork/include
ENV AIRFLOW__CORE__DAGS_FOLDER=/opt/groundwork/dags \
    AIRFLOW__CORE__PLUGINS_FOLDER=/opt/groundwork/plugins \
    PYTHONPATH=/opt/groundwork/include:/opt/groundwork/plugins \
    FOUNDATION_CONFIG=/opt/groundwork/config/foundation.yaml

FROM runtime AS standin
# moto at the version requirements-dev.txt pins (one place for the pin), and the stand-in package.
COPY requirements-dev.txt /opt/groundwork/requirements-dev.txt
RUN pip install --no-cache-dir -r /opt/groundwork/requirements.txt \
        "$(grep -E '^moto\[server\]==' /opt/groundwork/requirements-dev.txt)"
COPY tools/groundwork_standin /opt/groundwork/tools/groundwork_standin
ENV PYTHONPATH=/opt/groundwork/tools:/opt/groundwork/include:/opt/groundwork/plugins
ENTRYPOINT []
CMD ["python", "-m", "groundwork_standin", "serve", "--host", "0.0.0.0", "--port", "5055", \
     "--record-file", "/tmp/moto-recording.jsonl"]

FROM runtime AS airflow
