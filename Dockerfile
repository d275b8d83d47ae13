# licensebot: a static binary in a distroless image, running as non-root.
#   docker build --build-arg VERSION=$(git describe --tags --always) -t licensebot .
# CI builds the binary with the same command as the build stage below (.ci/run).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/licensebot ./cmd/licensebot

# distroless/static has CA certificates and time-zone data (dates are shown in the
# organisation's zone), no shell, and the nonroot user (65532).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/licensebot /licensebot
USER nonroot:nonroot
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["/licensebot", "healthcheck"]
ENTRYPOINT ["/licensebot"]
CMD ["serve"]
