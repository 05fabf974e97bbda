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
# The Maven repository is a build cache, not a layer.
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -ntp package -DskipTests

FROM gcr.io/distroless/java17-debian12:nonroot
COPY --from=build /src/webhook/target/ecrgate.jar /app/ecrgate.jar
USER 65532:65532
EXPOSE 8443
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/ecrgate.jar"]
CMD ["serve", "--policies=/etc/ecrgate/policies"]
