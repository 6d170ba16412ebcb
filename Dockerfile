# One image for the API and the worker; the command picks which (see docker-compose.yml).
# Node 26, the current LTS, at the version .ci/run tests on.
FROM node:26.12.1-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts
COPY . .
USER node
EXPOSE 3000
# node itself is PID 1 (no npx/tsx wrapper in between), so SIGTERM from `docker stop` reaches the
# graceful shutdown in api/server.ts and worker.ts.
CMD ["node", "--import", "tsx", "api/server.ts"]
