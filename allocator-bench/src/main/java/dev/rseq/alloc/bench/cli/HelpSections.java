package dev.rseq.alloc.bench.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * Extra two-column sections in a command's help (name, then a description that wraps under
 * itself), laid out by picocli like its option list. Added from a model transformer, so
 * the content comes from the catalogs at run time and loads nothing.
 */
public final class HelpSections {
    private HelpSections() {}

    /** Adds a section after the option list (before the footer). */
    public static void add(CommandSpec spec, String key, String heading, Map<String, String> rows) {
        UsageMessageSpec usage = spec.usageMessage();
        // picocli formats the cells with String.format: a literal % must be doubled.
        Map<String, String> table = new LinkedHashMap<>();
        rows.forEach((name, text) -> table.put(name.replace("%", "%%"), text.replace("%", "%%")));
        var sections = new LinkedHashMap<>(usage.sectionMap());
        sections.put(key, help -> help.createHeading("%n" + heading + "%n") + help.createTextTable(table));
        List<String> keys = new ArrayList<>(usage.sectionKeys());
        int at = keys.indexOf(UsageMessageSpec.SECTION_KEY_FOOTER_HEADING);
        keys.add(at < 0 ? keys.size() : at, key);
        usage.sectionMap(sections).sectionKeys(keys);
    }
}
