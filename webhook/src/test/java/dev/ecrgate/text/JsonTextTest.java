package dev.ecrgate.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import java.io.StringWriter;
import java.util.Random;
import org.junit.jupiter.api.Test;

class JsonTextTest {
    private static final JsonFactory ESCAPING = JsonFactory.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();
    private static final String[] SAMPLES = {"", "plain", "a \"quoted\" \\ back", "tab\tnew\nline\rcr\bbs\ffeed",
        "\u0000\u001f\u007f", "digest sha256:ac9d\u2026", "bidi \u202e override", "line \u2028 separator \u0085 next",
        "caf\u00e9 \u65e5\u672c \u07ff \u0800 \uffff"};

    /** What the decision log wrote with Jackson before it wrote its lines itself. */
    private static String jacksonAscii(String value) throws Exception {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = ESCAPING.createGenerator(out)) {
            g.writeString(value);
        }
        return out.toString();
    }

    @Test
    void writesWhatJacksonWrites() throws Exception {
        for (String s : SAMPLES) {
            assertEquals(jacksonAscii(s), JsonText.ascii(new StringBuilder(), s).toString(), s);
        }
        assertEquals(jacksonAscii("emoji \uD83D\uDE00"), JsonText.ascii(new StringBuilder(), "emoji \uD83D\uDE00")
                .toString());
        assertEquals(jacksonAscii("lone \uD800"), JsonText.ascii(new StringBuilder(), "lone \uD800").toString());
    }

    @Test
    void agreesWithJacksonOnRandomText() throws Exception {
        Random random = new Random(16);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder s = new StringBuilder();
            for (int k = random.nextInt(40); k > 0; k--) {
                int kind = random.nextInt(4);
                s.append((char) (kind == 0 ? random.nextInt(0x80) : kind == 1 ? 0x20 + random.nextInt(0x5f)
                        : kind == 2 ? random.nextInt(0x900) : random.nextInt(0x10000)));
            }
            String text = s.toString();
            assertEquals(jacksonAscii(text), JsonText.ascii(new StringBuilder(), text).toString());
        }
    }
}
