package dev.ecrgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import java.io.StringWriter;
import java.util.Random;
import org.junit.jupiter.api.Test;

class JsonTextTest {
    private static final JsonFactory JACKSON = JsonFactory.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    /** What the decision log wrote with Jackson before it wrote its lines itself. */
    private static String jackson(String value) throws Exception {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JACKSON.createGenerator(out)) {
            g.writeString(value);
        }
        return out.toString();
    }

    @Test
    void writesWhatJacksonWritesWithNonAsciiEscaping() throws Exception {
        String[] samples = {"", "plain", "a \"quoted\" \\ back", "tab\tnew\nline\rcr\bbs\ffeed", "\u0000\u001f\u007f",
            "digest sha256:ac9d\u2026", "bidi \u202e override", "line \u2028 separator \u0085 next", "emoji \uD83D\uDE00",
            "lone \uD800 surrogate", "caf\u00e9 \u65e5\u672c"};
        for (String s : samples) {
            assertEquals(jackson(s), JsonText.string(new StringBuilder(), s).toString(), s);
        }
    }

    @Test
    void agreesWithJacksonOnRandomText() throws Exception {
        Random random = new Random(16);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder s = new StringBuilder();
            for (int k = random.nextInt(20); k > 0; k--) {
                int kind = random.nextInt(4);
                s.append((char) (kind == 0 ? random.nextInt(0x80) : kind == 1 ? 0x20 + random.nextInt(0x5f)
                        : kind == 2 ? random.nextInt(0x300) : random.nextInt(0x10000)));
            }
            assertEquals(jackson(s.toString()), JsonText.string(new StringBuilder(), s.toString()).toString());
        }
    }
}
