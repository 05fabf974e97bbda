package dev.ecrgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ecrgate.admission.AdmissionSubject;
import dev.ecrgate.admission.ContainerImage;
import dev.ecrgate.admission.ContainerKind;
import dev.ecrgate.audit.AuditedReport;
import dev.ecrgate.audit.AuditedReport.Result;
import dev.ecrgate.audit.AuditedReport.Verdict;
import dev.ecrgate.audit.ReportResource;
import dev.ecrgate.audit.WorkloadRef;
import dev.ecrgate.policy.Decision;
import dev.ecrgate.policy.DecisionText;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What {@code ecrgate audit} prints for a set of reports: the rows, their alignment, the folding, the summary. */
class AuditTableTest {
    static final String API = "111122223333.dkr.ecr.us-east-1.amazonaws.com/team-blue/api:1.4.2";
    static final String WEB = "111122223333.dkr.ecr.us-east-1.amazonaws.com/team-blue/web:1.0.0";
    static final ContainerImage API_C = new ContainerImage(ContainerKind.CONTAINER, "api", API, false);
    static final ContainerImage SIDECAR = new ContainerImage(ContainerKind.CONTAINER, "proxy", WEB, false);
    static final ContainerImage INIT = new ContainerImage(ContainerKind.INIT_CONTAINER, "migrate", WEB, false);
    static final WorkloadRef DEPLOYMENT = new WorkloadRef("apps/v1", "Deployment", "team-blue", "api", "uid-1");
    static final WorkloadRef POD = new WorkloadRef("v1", "Pod", "team-blue", "debug", "uid-2");
    static final String CRITICAL = "too many vulnerabilities: CRITICAL 1 (max 0); worst: CVE-2024-3094 CRITICAL"
            + " xz-utils 5.6.0, fixed in 5.6.1; next: rebuild the image";

    static Result pass(ContainerImage c, String policy) {
        return new Result(policy, "", Verdict.PASS, Optional.empty(), DecisionText.passed(c, Optional.empty()),
                properties(c));
    }

    static Result skip(ContainerImage c, String policy, String reason) {
        return new Result(policy, "", Verdict.SKIP, Optional.empty(), DecisionText.passed(c, Optional.of(reason)),
                properties(c));
    }

    static Result broken(ContainerImage c, String policy, String rule, Verdict verdict, String detail) {
        return new Result(policy, rule, verdict, Optional.of("critical"),
                "container \"" + c.containerName() + "\" image " + c.image() + ": " + detail, properties(c));
    }

    static TreeMap<String, String> properties(ContainerImage c) {
        return new TreeMap<>(Map.of("container", c.containerName(), "image", c.image()));
    }

    static AuditedReport report(WorkloadRef owner, Result... results) {
        AdmissionSubject subject = new AdmissionSubject(owner.uid(), owner.kind(), owner.namespace(), owner.name(),
                "AUDIT", false, List.of());
        return new AuditedReport(owner, List.of(results),
                new Decision(subject, true, List.of(), List.of(), List.of(), Map.of()));
    }

    static Stream<Arguments> tables() {
        return Stream.of(
                Arguments.of("an image that passes every policy is one row that names them",
                        List.of(report(DEPLOYMENT, pass(API_C, "baseline"), pass(API_C, "team-namespaces"))), false,
                        """
                        NAMESPACE  OWNER           CONTAINER  IMAGE%s  POLICY                    RULE  RESULT  MESSAGE
                        team-blue  Deployment/api  api        %s  baseline,team-namespaces  -     pass    no rule broken

                        1 owner, 0 failing; results: 2 pass, 0 fail, 0 warn, 0 error, 0 skip
                        """.formatted(" ".repeat(API.length() - 5), API)),
                Arguments.of("verbose shows every pass on its own row",
                        List.of(report(DEPLOYMENT, pass(API_C, "baseline"), pass(API_C, "team-namespaces"))), true,
                        """
                        NAMESPACE  OWNER           CONTAINER  IMAGE%s  POLICY           RULE  RESULT  MESSAGE
                        team-blue  Deployment/api  api        %s  baseline         -     pass    no rule broken
                        team-blue  Deployment/api  api        %s  team-namespaces  -     pass    no rule broken

                        1 owner, 0 failing; results: 2 pass, 0 fail, 0 warn, 0 error, 0 skip
                        """.formatted(" ".repeat(API.length() - 5), API, API)),
                Arguments.of("a broken rule has a row of its own, its message without the container and image",
                        List.of(report(POD, pass(API_C, "baseline"),
                                broken(API_C, "team-namespaces", "vulnerabilities.maxCounts", Verdict.FAIL,
                                        CRITICAL), pass(API_C, "production-strict"))), false,
                        """
                        NAMESPACE  OWNER      CONTAINER  IMAGE%s  POLICY                      RULE                       RESULT  MESSAGE
                        team-blue  Pod/debug  api        %s  baseline,production-strict  -                          pass    no rule broken
                        team-blue  Pod/debug  api        %s  team-namespaces             vulnerabilities.maxCounts  fail    %s

                        1 owner, 1 failing; results: 2 pass, 1 fail, 0 warn, 0 error, 0 skip
                        """.formatted(" ".repeat(API.length() - 5), API, API, CRITICAL)),
                Arguments.of("each image of an owner folds its own passes; warnings, errors and skips are rows",
                        List.of(report(DEPLOYMENT, pass(API_C, "baseline"), pass(SIDECAR, "baseline"),
                                broken(SIDECAR, "medium-findings-rollout", "vulnerabilities.maxCounts", Verdict.WARN,
                                        "too many vulnerabilities: MEDIUM 12 (max 10)"),
                                broken(INIT, "baseline", "scanStatus", Verdict.ERROR,
                                        "the scan could not be read from ECR: timed out"),
                                skip(INIT, "production-strict", "INC-4711"))), false,
                        """
                        NAMESPACE  OWNER           CONTAINER  IMAGE%s  POLICY                   RULE                       RESULT  MESSAGE
                        team-blue  Deployment/api  api        %s  baseline                 -                          pass    no rule broken
                        team-blue  Deployment/api  proxy      %s  baseline                 -                          pass    no rule broken
                        team-blue  Deployment/api  proxy      %s  medium-findings-rollout  vulnerabilities.maxCounts  warn    too many vulnerabilities: MEDIUM 12 (max 10)
                        team-blue  Deployment/api  migrate    %s  baseline                 scanStatus                 error   the scan could not be read from ECR: timed out
                        team-blue  Deployment/api  migrate    %s  production-strict        -                          skip    exempted (INC-4711)

                        1 owner, 0 failing; results: 2 pass, 0 fail, 1 warn, 1 error, 1 skip
                        """.formatted(" ".repeat(API.length() - 5), API, WEB, WEB, WEB, WEB)),
                Arguments.of("owners where no policy applies have no rows and are counted",
                        List.of(report(DEPLOYMENT, pass(API_C, "baseline")), report(POD)), false,
                        """
                        NAMESPACE  OWNER           CONTAINER  IMAGE%s  POLICY    RULE  RESULT  MESSAGE
                        team-blue  Deployment/api  api        %s  baseline  -     pass    no rule broken

                        1 owner, 0 failing; results: 1 pass, 0 fail, 0 warn, 0 error, 0 skip; 1 owner where no policy applies
                        """.formatted(" ".repeat(API.length() - 5), API)),
                Arguments.of("nothing to report is the summary alone",
                        List.of(), false,
                        """
                        0 owners, 0 failing; results: 0 pass, 0 fail, 0 warn, 0 error, 0 skip
                        """),
                Arguments.of("names from the cluster cannot forge or reorder a row",
                        List.of(report(new WorkloadRef("v1", "Pod", "team-blue", "a\nb\u202Ec", "uid-3"),
                                pass(new ContainerImage(ContainerKind.CONTAINER, "x\ty", "img", false), "baseline"))),
                        false,
                        """
                        NAMESPACE  OWNER            CONTAINER  IMAGE  POLICY    RULE  RESULT  MESSAGE
                        team-blue  Pod/a\\nb\\u202Ec  x\\ty       img    baseline  -     pass    no rule broken

                        1 owner, 0 failing; results: 1 pass, 0 fail, 0 warn, 0 error, 0 skip
                        """));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tables")
    void theTableShowsEveryResultOnceAligned(String name, List<AuditedReport> reports, boolean verbose,
                                             String expected) {
        assertEquals(expected, AuditTable.text(reports, verbose));
    }

    static Stream<Arguments> details() {
        return Stream.of(
                Arguments.of("the container and image are left out", broken(API_C, "p", "r", Verdict.FAIL, "bad"),
                        "bad"),
                Arguments.of("so is the digest after the image",
                        new Result("p", "r", Verdict.FAIL, Optional.empty(), "init container \"migrate\" image " + WEB
                                + " (digest sha256:0123456789ab…): tags.immutableOrDigest: mutable tag",
                                properties(INIT)), "tags.immutableOrDigest: mutable tag"),
                Arguments.of("a message of another shape is shown whole",
                        new Result("ecrgate", "image", Verdict.FAIL, Optional.empty(), "not an image reference: x",
                                properties(API_C)), "not an image reference: x"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("details")
    void theMessageColumnSaysWhatIsWrong(String name, Result result, String expected) {
        assertEquals(expected, AuditTable.detail(result));
    }

    @Test
    void theJsonIsAnArrayOfOwnersWithTheirReportsResultsFieldForField() throws Exception {
        Instant now = Instant.parse("2027-01-31T12:00:00Z");
        AuditedReport failing = report(POD, pass(API_C, "baseline"),
                broken(API_C, "team-namespaces", "vulnerabilities.maxCounts", Verdict.FAIL, CRITICAL));
        JsonNode json = new ObjectMapper().readTree(AuditTable.json(List.of(failing, report(DEPLOYMENT)), now));

        assertEquals(1, json.size(), "an owner without results has no Report, and no entry: " + json);
        JsonNode owner = json.get(0);
        ObjectMapper mapper = new ObjectMapper();
        JsonNode report = mapper.readTree(mapper.writeValueAsString(ReportResource.of(failing, now)));
        assertEquals(List.of("scope", "summary", "results"), List.copyOf(iterable(owner.fieldNames())));
        for (String field : List.of("scope", "summary", "results")) {
            assertEquals(report.get(field), owner.get(field), field);
        }
        assertEquals("fail", owner.at("/results/1/result").asText());
        assertEquals("critical", owner.at("/results/1/severity").asText());
        assertEquals("Pod", owner.at("/scope/kind").asText());
    }

    @Test
    void theJsonIsAsciiWhateverTheNames() {
        AuditedReport named = report(new WorkloadRef("v1", "Pod", "team-blue", "прокси", "uid-4"),
                pass(API_C, "baseline"));
        String json = AuditTable.json(List.of(named), Instant.EPOCH);
        assertEquals(0L, json.chars().filter(c -> c > 0x7e).count(), json);
    }

    private static <T> List<T> iterable(java.util.Iterator<T> it) {
        List<T> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
