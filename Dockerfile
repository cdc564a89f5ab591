# The gongjian API + web console (docker-compose.yml builds this).
# Stage 1: the console's front-end libraries from the npm registry (web/package-lock.json).
FROM node:20-slim AS web
WORKDIR /src
COPY web/package.json web/package-lock.json web/
RUN npm ci --prefix web --ignore-scripts --no-audit --no-fund --loglevel=error

# Stage 2: the Python service, with those libraries inside the package (as scripts/build_web.sh does).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY core core
COPY graph graph
COPY matching matching
COPY seeds seeds
COPY service service
COPY cli cli
COPY --from=web /src/web/node_modules/echarts/dist/echarts.min.js service/console/static/vendor/echarts.min.js
COPY --from=web /src/web/node_modules/echarts/LICENSE service/console/static/vendor/echarts.LICENSE.txt
COPY --from=web /src/web/node_modules/swagger-ui-dist/swagger-ui-bundle.js service/apidocs/static/vendor/swagger-ui-bundle.js
COPY --from=web /src/web/node_modules/swagger-ui-dist/swagger-ui.css service/apidocs/static/vendor/swagger-ui.css
COPY --from=web /src/web/node_modules/swagger-ui-dist/LICENSE service/apidocs/static/vendor/swagger-ui.LICENSE.txt
# EXTRAS=city adds Ray (the compose file's city profile builds gongjian:city with it)
ARG EXTRAS=
RUN pip install --no-cache-dir --root-user-action=ignore ".${EXTRAS:+[$EXTRAS]}" \
    && useradd --system --home-dir /data gongjian \
    && mkdir -p /data && chown gongjian /data
USER gongjian
WORKDIR /data
ENV GONGJIAN_STATE_DB=/data/gongjian-service.sqlite GONGJIAN_DB=/data/gongjian.sqlite \
    NUMBA_CACHE_DIR=/data/numba-cache
EXPOSE 8000
CMD ["gongjian", "serve", "--host", "0.0.0.0", "--port", "8000"]
