# syntax=docker/dockerfile:1
# ecrgate's container image: build the shaded jar with the Maven wrapper, run it on distroless Java 17 as non-root.
#   docker build -t REGISTRY/ecrgate:TAG .
# The command is the one deploy/base/deployment.yaml runs; there is no shell in the runtime image.

FROM maven:3.9-eclipse-temurin-17 AS build
# The wrapper's Maven download is checked against the .zip's SHA-256 in .mvn/wrapper/maven-wrapper.properties, and
# without unzip the wrapper would fetch the .tar.gz instead, which fails that check.
RUN apt-get update && apt-get install -y --no-install-recommends unzip && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
COPY certs/ certs/
COPY webhook/ webhook/
COPY policies/ policies/
COPY examples/findings/ examples/findings/
# The Maven repository is a build cache, not a layer.
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -ntp -pl webhook -am package -DskipTests

FROM gcr.io/distroless/java17-debian12:nonroot
COPY --from=build /src/webhook/target/ecrgate.jar /app/ecrgate.jar
COPY --from=build /src/policies/ /app/training/policies/
COPY --from=build /src/examples/findings/ /app/training/findings/
# Class data sharing: a training start (on this image's own JDK, which the archive must match) writes the archive
# that every later start maps in. It sends itself probes, admission reviews and a scrape over HTTPS before it exits
# (TrainingTraffic), so that the classes of a connection are in the archive too (BENCHMARKS.md, "Ready").
USER 0:0
RUN ["java", "-XX:ArchiveClassesAtExit=/app/ecrgate.jsa", "-XX:+UseSerialGC", "-jar", "/app/ecrgate.jar", "serve", \
     "--port=18443", "--policies=/app/training/policies", "--findings=/app/training/findings", "--exit-when-ready"]
USER 65532:65532
EXPOSE 8443
# The Serial collector and a fixed heap of half the container's memory limit (256 MiB of deploy/'s 512Mi): measured
# against Parallel, G1 and ZGC on one CPU at 1000 req/s, Serial had the lowest p99.9 and the smallest footprint, and
# a fixed heap never resizes under load (BENCHMARKS.md, "Round 2"). The Tier4 thresholds, three times the JDK's,
# hold C2 back during start-up, when on one core its compiles take the CPU the first answer needs: ready about 20%
# sooner, and the same warm-up curve and steady state under load (measured in BENCHMARKS.md, "Ready").
# deploy/ and the Helm chart run the same flags.
ENTRYPOINT ["java", "-XX:SharedArchiveFile=/app/ecrgate.jsa", "-XX:+UseSerialGC", "-XX:InitialRAMPercentage=50", \
            "-XX:MaxRAMPercentage=50", "-XX:Tier4InvocationThreshold=15000", "-XX:Tier4MinInvocationThreshold=1800", \
            "-XX:Tier4CompileThreshold=45000", "-XX:Tier4BackEdgeThreshold=120000", "-jar", "/app/ecrgate.jar"]
CMD ["serve", "--policies=/etc/ecrgate/policies"]
