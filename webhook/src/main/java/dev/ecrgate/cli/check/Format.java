package dev.ecrgate.cli.check;

import java.io.IOException;
import java.io.Writer;
import java.util.List;

/** The report formats of {@code ecrgate check}: for people, for scripts, for CI test reports, for code scanning. */
public enum Format {
    TEXT {
        @Override
        public void write(List<Checked> checked, Writer out) throws IOException {
            TextReport.write(checked, out);
        }
    },
    JSON {
        @Override
        public void write(List<Checked> checked, Writer out) throws IOException {
            JsonReport.write(checked, out);
        }
    },
    JUNIT {
        @Override
        public void write(List<Checked> checked, Writer out) throws IOException {
            JunitReport.write(checked, out);
        }
    },
    SARIF {
        @Override
        public void write(List<Checked> checked, Writer out) throws IOException {
            SarifReport.write(checked, out);
        }
    };

    /** Writes the report of {@code checked}, in input order, to {@code out}; does not close it. */
    public abstract void write(List<Checked> checked, Writer out) throws IOException;
}
