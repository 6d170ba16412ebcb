# One image for the API and the worker; the command picks which (see docker-compose.yml).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts
COPY . .
USER node
EXPOSE 3000
CMD ["npx", "tsx", "api/server.ts"]
