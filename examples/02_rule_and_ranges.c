/* 02_rule_and_ranges.c: let the rule pick each layer's initializer, and show
 * that any range of a tensor equals the same slice of the whole tensor. */
#include <math.h>
#include <nninit.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    const char *acts[] = {"relu", "tanh", "sigmoid", "selu", "leaky_relu"};
    for (int i = 0; i < 5; i++) {
        nninit_activation act;
        nninit_advice adv;
        nninit_activation_parse(acts[i], &act, NULL);
        nninit_recommend(NNINIT_ROLE_WEIGHT, act, NAN, &adv, NULL);
        printf("%-10s -> %-16s %s\n", acts[i], nninit_kind_name(adv.spec.kind),
               adv.formula);
    }

    nninit_shape s;
    nninit_shape_parse("256,128", &s, NULL);
    nninit_spec spec = nninit_spec_make(NNINIT_XAVIER_NORMAL);
    nninit_fill_opts o = nninit_fill_opts_default();
    o.seed = 7;
    static float whole[256 * 128], part[1000];
    nninit_init(&spec, &s, NNINIT_LAYOUT_TORCH, NNINIT_F32, whole, 0,
                256 * 128, &o, NULL);
    nninit_init(&spec, &s, NNINIT_LAYOUT_TORCH, NNINIT_F32, part, 5000, 6000,
                &o, NULL);
    printf("range 5000:6000 equals the slice of the whole tensor: %s\n",
           memcmp(whole + 5000, part, sizeof part) == 0 ? "yes" : "NO");
    return 0;
}
