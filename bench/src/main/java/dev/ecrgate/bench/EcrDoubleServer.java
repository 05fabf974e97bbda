package dev.ecrgate.bench;

import dev.ecrgate.findings.ecr.EcrDouble;
import dev.ecrgate.findings.ecr.RecordedFacts;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The ECR double as a process, for the soak run: loaded with recorded AWS CLI output, answering a fraction of all
 * calls with a server error, until it is stopped. Prints {@code ECR_ENDPOINT http://127.0.0.1:PORT} once it serves,
 * then {@code ECR_CALLS total=N failed=M} every 10 s and when it stops (SIGTERM), so a script can sample how many
 * calls ecrgate made (the last line is the latest count).
 *
 * <p>{@code java -cp bench.jar dev.ecrgate.bench.EcrDoubleServer [FINDINGS_DIR [FAIL_FRACTION [STATUS [ERROR_TYPE]]]]}
 * (defaults: {@code examples/findings}, {@code 0.01}, {@code 500}, {@code ServerException})
 */
public final class EcrDoubleServer {
    private EcrDoubleServer() {
    }

    public static void main(String[] args) throws Exception {
        Path findings = Path.of(args.length > 0 ? args[0] : "examples/findings");
        double fraction = args.length > 1 ? Double.parseDouble(args[1]) : 0.01;
        int status = args.length > 2 ? Integer.parseInt(args[2]) : 500;
        String errorType = args.length > 3 ? args[3] : "ServerException";
        EcrDouble ecr = EcrDouble.start();
        RecordedFacts.load(findings, ecr);
        ecr.failRate(fraction, status, errorType);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println(counts(ecr));
            System.out.flush();
            ecr.close();
            stopped.countDown();
        }, "ecr-double-stop"));
        System.out.println("ECR_ENDPOINT " + ecr.endpoint());
        System.out.flush();
        while (!stopped.await(10, TimeUnit.SECONDS)) {
            System.out.println(counts(ecr));
            System.out.flush();
        }
    }

    private static String counts(EcrDouble ecr) {
        return "ECR_CALLS total=" + ecr.calls().size() + " failed=" + ecr.rateFailures();
    }
}
