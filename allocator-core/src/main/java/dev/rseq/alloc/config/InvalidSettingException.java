package dev.rseq.alloc.config;

/** A setting's value could not be used: names the setting, where the value came from, and what is allowed. */
public final class InvalidSettingException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final transient Setting setting;

    /**
     * An exception whose message names the setting, the value's source and what is allowed.
     *
     * @param setting the setting whose value could not be used
     * @param source  where the value came from, as {@link Settings#source(Setting)} says it
     */
    public InvalidSettingException(Setting setting, String source) {
        super("invalid " + setting.property() + " (" + source + "): expected " + setting.allowed());
        this.setting = setting;
    }

    /** {@return the setting whose value could not be used} */
    public Setting setting() {
        return setting;
    }
}
