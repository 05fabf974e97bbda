package dev.ecrgate.cli.check;

import dev.ecrgate.text.OutsideText;
import java.io.IOException;
import java.io.Writer;
import java.util.List;

/**
 * For people: one block per resource, headed {@code Deployment team-blue/worker: allowed with 1 warning (FILE)},
 * then the warnings and the denial message exactly as kubectl prints them (warnings first, as kubectl does), then a
 * summary line.
 */
final class TextReport {
    private TextReport() {
    }

    static void write(List<Checked> checked, Writer out) throws IOException {
        for (Checked c : checked) {
            List<String> warnings = c.warnings();
            String status = switch (c.outcome()) {
                case ALLOWED -> "allowed";
                case WARNED -> "allowed with " + warnings.size() + (warnings.size() == 1 ? " warning" : " warnings");
                case DENIED -> "denied";
                case SKIPPED -> "skipped, not a kind ecrgate checks";
            };
            out.write(c.title() + ": " + status + " (" + OutsideText.shown(c.manifest().where()) + ")\n");
            for (String w : warnings) {
                out.write("Warning: " + w + "\n");
            }
            if (c.message().isPresent()) {
                out.write(c.message().get() + "\n");
            }
            if (!warnings.isEmpty() || c.message().isPresent()) {
                out.write("\n");
            }
        }
        out.write(Checked.Summary.of(checked) + "\n");
    }
}
