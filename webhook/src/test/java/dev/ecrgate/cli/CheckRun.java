package dev.ecrgate.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** One run of {@code ecrgate check} through {@link Main#execute}, with what it printed. */
record CheckRun(int exit, String out, String err) {
    /** The example policies and recorded findings, relative to the webhook module (the tests' working directory). */
    static final String POLICIES = "../policies";
    static final String FINDINGS = "../examples/findings";
    static final String MANIFESTS = "../examples/manifests/";

    /** {@code ecrgate check --policies ../policies --findings ../examples/findings ARGS}. */
    static CheckRun check(String... args) {
        return withStdin("", args);
    }

    static synchronized CheckRun withStdin(String stdin, String... args) {
        List<String> all = new ArrayList<>(List.of("check", "--policies", POLICIES, "--findings", FINDINGS));
        all.addAll(List.of(args));
        return raw(stdin, all.toArray(String[]::new));
    }

    /** Runs exactly {@code args}. */
    static synchronized CheckRun raw(String stdin, String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        InputStream in = System.in;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            int exit = Main.execute(args);
            return new CheckRun(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
            System.setIn(in);
        }
    }

    @Override
    public String toString() {
        return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
