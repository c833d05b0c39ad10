# Switchboard daemon image: build with the dev toolchain, run on a slim current-LTS Node as a non-root user.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY src/queue ./src/queue
COPY src/callbacks/lua ./src/callbacks/lua
# the agent desktop page is served from the source tree (plain HTML/CSS/JS, no build step)
COPY src/cti/page ./src/cti/page
# the supervisor's wallboard page, likewise
COPY src/supervisor/page ./src/supervisor/page
COPY config ./config
COPY ivr-trees ./ivr-trees
# Listen on all interfaces inside the container; publish the port explicitly when running it.
ENV SWITCHBOARD__HTTP__HOST=0.0.0.0
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.SWITCHBOARD__HTTP__PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/switchboard.js"]
CMD ["start", "--config", "config/switchboard.yaml"]
