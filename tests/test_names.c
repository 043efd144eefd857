/*
 * test_names.c: the name tables behind every _parse/_name pair: exact
 * names, aliases, PyTorch's trailing underscore, folding, the generated
 * "(expected ...)" list and "did you mean" suggestions. Expected messages
 * are written out by hand here.
 */
#include "nninit.h"
#include "nninit/model.h"
#include "nninit_test.h"

static const char *const fruit_names[] = {"apple", "apricot", "banana",
                                          "cherry"};
static const nninit_name_alias fruit_aliases[] = {{"malus", 0}, {NULL, 0}};
static const nninit_names fruit = {"fruit", fruit_names, 4, fruit_aliases, 0};

static void lookup_names_and_aliases(void)
{
    int v = -1;
    CHECK(nninit_names_parse(&fruit, "banana", &v, NULL) == NNINIT_OK && v == 2);
    CHECK(nninit_names_parse(&fruit, "malus", &v, NULL) == NNINIT_OK && v == 0);
    CHECK(nninit_names_find(&fruit, "Banana") == -1); /* case matters */
    CHECK(nninit_names_find(&fruit, "banana_") == -1);
    CHECK(nninit_names_find(&fruit, NULL) == -1);
    CHECK(strcmp(nninit_names_name(&fruit, 3), "cherry") == 0);
    CHECK(strcmp(nninit_names_name(&fruit, 4), "unknown") == 0);
    CHECK(strcmp(nninit_names_name(&fruit, -1), "unknown") == 0);

    /* folding: case, '_' and '-' do not count */
    static const char *const mods[] = {"conv_transpose2d", "layer_norm"};
    nninit_names m = {"module", mods, 2, NULL, NNINIT_NAMES_FOLD};
    CHECK(nninit_names_find(&m, "ConvTranspose2d") == 0);
    CHECK(nninit_names_find(&m, "LayerNorm") == 1);
    CHECK(nninit_names_find(&m, "layer-norm") == 1);

    /* PyTorch's in-place spelling of initializers */
    nninit_kind k;
    CHECK(nninit_kind_parse("kaiming_uniform_", &k, NULL) == NNINIT_OK &&
          k == NNINIT_KAIMING_UNIFORM);
    CHECK(nninit_kind_parse("he_normal_", &k, NULL) == NNINIT_OK &&
          k == NNINIT_KAIMING_NORMAL);
    CHECK(nninit_kind_parse("_", &k, NULL) == NNINIT_EINVAL);
    nninit_dtype d;
    CHECK(nninit_dtype_parse("f32_", &d, NULL) == NNINIT_EINVAL);
}

static void lists(void)
{
    char buf[64];
    CHECK_EQ_STR(nninit_names_list(&fruit, buf, sizeof buf),
                 "apple, apricot, banana or cherry");
    nninit_names two = {"x", fruit_names, 2, NULL, 0};
    CHECK_EQ_STR(nninit_names_list(&two, buf, sizeof buf), "apple or apricot");
    nninit_names one = {"x", fruit_names, 1, NULL, 0};
    CHECK_EQ_STR(nninit_names_list(&one, buf, sizeof buf), "apple");
    /* too small: whole names only, then ", ..." */
    CHECK_EQ_STR(nninit_names_list(&fruit, buf, 24), "apple, apricot, ...");
}

static void expect_msg(const nninit_names *t, const char *name,
                       const char *want)
{
    int v;
    nninit_error err;
    CHECK_EQ_INT(nninit_names_parse(t, name, &v, &err), NNINIT_EINVAL);
    CHECK_MSG(strcmp(err.msg, want) == 0, "'%s': got '%s', want '%s'", name,
              err.msg, want);
}

static void check_rc_msg(int rc, const nninit_error *e, const char *want)
{
    CHECK_EQ_INT(rc, NNINIT_EINVAL);
    CHECK_EQ_STR(e->msg, want);
}

static void suggestions(void)
{
    /* a prefix names its continuations */
    expect_msg(&fruit, "ap",
               "unknown fruit 'ap' (did you mean apple or apricot?)");
    /* a slip: substitution, deletion, insertion, swap of neighbours */
    expect_msg(&fruit, "banena", "unknown fruit 'banena' (did you mean banana?)");
    expect_msg(&fruit, "chery", "unknown fruit 'chery' (did you mean cherry?)");
    expect_msg(&fruit, "applle", "unknown fruit 'applle' (did you mean apple?)");
    expect_msg(&fruit, "bnaana", "unknown fruit 'bnaana' (did you mean banana?)");
    expect_msg(&fruit, "mauls", "unknown fruit 'mauls' (did you mean malus?)");
    /* far from everything: the list */
    expect_msg(&fruit, "kiwi",
               "unknown fruit 'kiwi' (expected apple, apricot, banana or "
               "cherry)");
    expect_msg(&fruit, "", "unknown fruit '' (expected apple, apricot, banana "
                           "or cherry)");
    expect_msg(&fruit, NULL, "unknown fruit '' (expected apple, apricot, "
                             "banana or cherry)");
    /* a one-letter name is too short to be a prefix worth naming */
    expect_msg(&fruit, "a", "unknown fruit 'a' (expected apple, apricot, "
                            "banana or cherry)");

    /* the real tables */
    nninit_kind k;
    nninit_layout l;
    nninit_activation a;
    nninit_preset p;
    nninit_error e;
    check_rc_msg(nninit_kind_parse("xavier", &k, &e), &e,
                 "unknown initializer 'xavier' (did you mean xavier_uniform "
                 "or xavier_normal?)");
    check_rc_msg(nninit_kind_parse("glorot", &k, &e), &e,
                 "unknown initializer 'glorot' (did you mean glorot_uniform "
                 "or glorot_normal?)");
    check_rc_msg(nninit_kind_parse("kaiming_unifrom", &k, &e), &e,
                 "unknown initializer 'kaiming_unifrom' (did you mean "
                 "kaiming_uniform?)");
    check_rc_msg(nninit_kind_parse("orthogonl", &k, &e), &e,
                 "unknown initializer 'orthogonl' (did you mean orthogonal?)");
    check_rc_msg(nninit_layout_parse("tf", &l, &e), &e,
                 "unknown layout 'tf' (expected torch or keras)");
    check_rc_msg(nninit_activation_parse("gleu", &a, &e), &e,
                 "unknown activation 'gleu' (did you mean gelu?)");
    check_rc_msg(nninit_preset_parse("kears", &p, &e), &e,
                 "unknown preset 'kears' (did you mean keras?)");
    /* a long list that does not fit whole is cut at a name */
    CHECK_EQ_INT(nninit_kind_parse("qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"
                                   "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq",
                                   &k, &e),
                 NNINIT_EINVAL);
    CHECK(strlen(e.msg) < sizeof e.msg && strstr(e.msg, ", ...)"));
    nninit_role r;
    CHECK(nninit_role_parse("lstm", &r, NULL) == NNINIT_OK &&
          r == NNINIT_ROLE_RECURRENT);
    CHECK(nninit_role_parse("layernorm", &r, NULL) == NNINIT_OK &&
          r == NNINIT_ROLE_NORM_WEIGHT);
    CHECK(strcmp(nninit_role_name(NNINIT_ROLE_NORM_BIAS), "norm_bias") == 0);
    /* at most four suggestions */
    char hint[160];
    static const char *const many[] = {"ab1", "ab2", "ab3", "ab4", "ab5"};
    nninit_names m = {"x", many, 5, NULL, 0};
    CHECK_EQ_STR(nninit_names_suggest(&m, "ab", hint, sizeof hint),
                 "ab1, ab2, ab3 or ab4");
}

int main(void)
{
    TEST_RUN(lookup_names_and_aliases);
    TEST_RUN(lists);
    TEST_RUN(suggestions);
    return test_report();
}
