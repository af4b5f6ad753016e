package dev.bpf4j.btf;

/**
 * Which BTF kinds and flags a kernel's BTF loader accepts, one flag per feature libbpf probes
 * ({@code FEAT_BTF_*} in libbpf.c) before it loads a program's BTF. A backend probes these (or
 * reads them off the kernel version) and passes them to {@link BtfSanitizer#sanitize}.
 *
 * <pre>{@code
 * // A 5.2 kernel: FUNC and DATASEC, but no FLOAT (5.13), DECL_TAG (5.16), TYPE_TAG (5.17), ENUM64 (6.0).
 * var features = BtfFeatures.all().withFloat(false).withDeclTag(false).withTypeTag(false).withEnum64(false);
 * Btf forKernel = BtfSanitizer.sanitize(programBtf, features);
 * }</pre>
 *
 * @param func FUNC and FUNC_PROTO kinds (Linux 5.0, FEAT_BTF_FUNC)
 * @param globalFunc FUNC linkage other than static (5.6, FEAT_BTF_GLOBAL_FUNC)
 * @param datasec VAR and DATASEC kinds (5.2, FEAT_BTF_DATASEC)
 * @param floats the FLOAT kind (5.13, FEAT_BTF_FLOAT)
 * @param declTag the DECL_TAG kind (5.16, FEAT_BTF_DECL_TAG)
 * @param typeTag the TYPE_TAG kind (5.17, FEAT_BTF_TYPE_TAG)
 * @param enum64 the ENUM64 kind and signed ENUM (the kind_flag; 6.0, FEAT_BTF_ENUM64)
 * @param qmarkDatasec DATASEC names starting with '?' (FEAT_BTF_QMARK_DATASEC)
 */
public record BtfFeatures(boolean func, boolean globalFunc, boolean datasec, boolean floats,
                          boolean declTag, boolean typeTag, boolean enum64, boolean qmarkDatasec) {

    /** A current kernel: everything supported, so sanitizing changes nothing. */
    public static BtfFeatures all() {
        return new BtfFeatures(true, true, true, true, true, true, true, true);
    }

    /** A kernel that accepts none of these features (BTF as in Linux 4.18). */
    public static BtfFeatures none() {
        return new BtfFeatures(false, false, false, false, false, false, false, false);
    }

    /** Whether every feature is supported, so that libbpf would hand the BTF over unchanged. */
    public boolean isComplete() {
        return func && globalFunc && datasec && floats && declTag && typeTag && enum64 && qmarkDatasec;
    }

    public BtfFeatures withFunc(boolean v) { return new BtfFeatures(v, globalFunc, datasec, floats, declTag, typeTag, enum64, qmarkDatasec); }
    public BtfFeatures withGlobalFunc(boolean v) { return new BtfFeatures(func, v, datasec, floats, declTag, typeTag, enum64, qmarkDatasec); }
    public BtfFeatures withDatasec(boolean v) { return new BtfFeatures(func, globalFunc, v, floats, declTag, typeTag, enum64, qmarkDatasec); }
    public BtfFeatures withFloat(boolean v) { return new BtfFeatures(func, globalFunc, datasec, v, declTag, typeTag, enum64, qmarkDatasec); }
    public BtfFeatures withDeclTag(boolean v) { return new BtfFeatures(func, globalFunc, datasec, floats, v, typeTag, enum64, qmarkDatasec); }
    public BtfFeatures withTypeTag(boolean v) { return new BtfFeatures(func, globalFunc, datasec, floats, declTag, v, enum64, qmarkDatasec); }
    public BtfFeatures withEnum64(boolean v) { return new BtfFeatures(func, globalFunc, datasec, floats, declTag, typeTag, v, qmarkDatasec); }
    public BtfFeatures withQmarkDatasec(boolean v) { return new BtfFeatures(func, globalFunc, datasec, floats, declTag, typeTag, enum64, v); }
}
