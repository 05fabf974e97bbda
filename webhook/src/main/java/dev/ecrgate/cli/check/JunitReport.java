package dev.ecrgate.cli.check;

import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * For CI test reports (GitLab {@code artifacts:reports:junit}, Jenkins {@code junit}): the common JUnit XML shape,
 * {@code testsuites} with one {@code testsuite} per manifest file and one {@code testcase} per resource. A denied
 * resource is a {@code failure} whose text is the webhook's message; a kind ecrgate does not check is
 * {@code skipped}; warnings go to the test case's {@code system-out}.
 */
final class JunitReport {
    private JunitReport() {
    }

    static void write(List<Checked> checked, Writer out) throws IOException {
        java.io.StringWriter xml = new java.io.StringWriter();
        writeXml(checked, xml);
        // ASCII only (other characters as references): the bytes match the UTF-8 declaration whatever the
        // console's encoding; element and attribute names are ASCII, so this touches only text
        StringBuilder ascii = new StringBuilder(xml.getBuffer().length());
        xml.toString().codePoints().forEach(cp -> {
            if (cp < 0x80) {
                ascii.append((char) cp);
            } else {
                ascii.append("&#x").append(Integer.toHexString(cp).toUpperCase(java.util.Locale.ROOT)).append(';');
            }
        });
        out.write(ascii.toString());
    }

    private static void writeXml(List<Checked> checked, Writer out) throws IOException {
        Map<String, List<Checked>> byFile = new LinkedHashMap<>();
        for (Checked c : checked) {
            byFile.computeIfAbsent(c.manifest().file(), f -> new ArrayList<>()).add(c);
        }
        Checked.Summary all = Checked.Summary.of(checked);
        try {
            XMLStreamWriter x = XMLOutputFactory.newFactory().createXMLStreamWriter(out);
            x.writeStartDocument("UTF-8", "1.0");
            x.writeCharacters("\n");
            x.writeStartElement("testsuites");
            x.writeAttribute("name", "ecrgate check");
            x.writeAttribute("tests", Integer.toString(all.resources()));
            x.writeAttribute("failures", Integer.toString(all.denied()));
            x.writeAttribute("errors", "0");
            x.writeAttribute("skipped", Integer.toString(all.skipped()));
            x.writeAttribute("time", "0");
            for (Map.Entry<String, List<Checked>> e : byFile.entrySet()) {
                Checked.Summary s = Checked.Summary.of(e.getValue());
                x.writeCharacters("\n  ");
                x.writeStartElement("testsuite");
                x.writeAttribute("name", e.getKey());
                x.writeAttribute("tests", Integer.toString(s.resources()));
                x.writeAttribute("failures", Integer.toString(s.denied()));
                x.writeAttribute("errors", "0");
                x.writeAttribute("skipped", Integer.toString(s.skipped()));
                x.writeAttribute("time", "0");
                x.writeAttribute("file", e.getKey());
                for (Checked c : e.getValue()) {
                    testcase(x, c);
                }
                x.writeCharacters("\n  ");
                x.writeEndElement();
            }
            x.writeCharacters("\n");
            x.writeEndElement();
            x.writeCharacters("\n");
            x.writeEndDocument();
            x.flush();
        } catch (XMLStreamException e) {
            throw new IOException("cannot write JUnit XML: " + e.getMessage(), e);
        }
    }

    private static void testcase(XMLStreamWriter x, Checked c) throws XMLStreamException {
        Manifest m = c.manifest();
        x.writeCharacters("\n    ");
        x.writeStartElement("testcase");
        x.writeAttribute("name", c.title() + (m.where().equals(m.file()) ? "" : " (" + m.where() + ")"));
        x.writeAttribute("classname", m.file());
        x.writeAttribute("file", m.file());
        x.writeAttribute("line", Integer.toString(m.line()));
        x.writeAttribute("time", "0");
        switch (c.outcome()) {
            case DENIED -> {
                String message = c.message().orElse("denied");
                x.writeStartElement("failure");
                x.writeAttribute("message", xml(message.lines().findFirst().orElse("denied")));
                x.writeAttribute("type", "denied");
                x.writeCharacters(xml(message));
                x.writeEndElement();
            }
            case SKIPPED -> {
                x.writeEmptyElement("skipped");
                x.writeAttribute("message", xml("ecrgate does not check kind " + m.kind()));
            }
            default -> {
            }
        }
        if (!c.warnings().isEmpty()) {
            x.writeStartElement("system-out");
            StringBuilder text = new StringBuilder();
            for (String w : c.warnings()) {
                text.append("Warning: ").append(w).append('\n');
            }
            x.writeCharacters(xml(text.toString()));
            x.writeEndElement();
        }
        x.writeEndElement();
    }

    /** Leaves out the characters XML 1.0 cannot carry at all (the messages escape control characters already). */
    private static String xml(String text) {
        StringBuilder b = new StringBuilder(text.length());
        text.codePoints().filter(cp -> cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF)
                || (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF)).forEach(b::appendCodePoint);
        return b.toString();
    }
}
