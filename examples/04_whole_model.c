/*
 * 04_whole_model.c: a whole model from C. The seed network is built layer
 * by layer, planned (each tensor's initializer and why), and written as
 * safetensors, streamed and atomic; then the same from a YAML description.
 *
 *   ./04_whole_model [OUT.safetensors]
 */
#include <nninit.h>
#include <nninit/io.h>
#include <nninit/model.h>

#include <stdio.h>

static int fail(const nninit_error *err)
{
    fprintf(stderr, "04_whole_model: %s\n", err->msg);
    return 1;
}

int main(int argc, char **argv)
{
    const char *out = argc > 1 ? argv[1] : "seed.safetensors";
    nninit_error err;
    nninit_model *m;
    if (nninit_model_new(&m, NULL, &err))
        return fail(&err);
    static const struct {
        const char *name;
        int64_t in, out;
        nninit_activation act;
    } net[] = {{"fc1", 10, 50, NNINIT_ACT_RELU},
               {"fc2", 50, 30, NNINIT_ACT_TANH},
               {"fc3", 30, 1, NNINIT_ACT_SIGMOID}};
    for (int i = 0; i < 3; i++) {
        nninit_layer l = nninit_layer_make(NNINIT_TORCH_LINEAR);
        snprintf(l.name, sizeof l.name, "%s", net[i].name);
        l.args.in = net[i].in;
        l.args.out = net[i].out;
        l.args.activation = net[i].act; /* what follows */
        if (nninit_model_add_layer(m, &l, &err))
            return fail(&err);
    }
    nninit_plan_opts po = nninit_plan_opts_default(); /* preset seed */
    po.seed = 42;
    nninit_plan *plan;
    if (nninit_plan_new(m, &po, &plan, &err))
        return fail(&err);
    for (size_t i = 0; i < nninit_plan_size(plan); i++) {
        const nninit_plan_entry *e = nninit_plan_get(plan, i);
        char shape[64];
        printf("%-11s %-9s %s\n", e->name,
               nninit_shape_format(e->shape, shape, sizeof shape), e->init);
    }
    nninit_write_opts wo = nninit_write_opts_default();
    if (nninit_plan_write(plan, out, NNINIT_FORMAT_SAFETENSORS, &wo, &err))
        return fail(&err);
    printf("wrote %s (%llu bytes of tensors)\n", out,
           (unsigned long long)nninit_plan_bytes(plan));
    nninit_plan_free(plan);
    nninit_model_free(m);

    /* the same network as a description; errors name file:line:column */
    static const char yaml[] =
        "layers:\n"
        "  - {name: fc1, type: linear, in: 10, out: 50, activation: relu}\n"
        "  - {name: fc2, type: linear, in: 50, out: 30, activation: tanh}\n"
        "  - {name: fc3, type: linear, in: 30, out: 1, activation: sigmoid}\n";
    if (nninit_model_new(&m, NULL, &err) ||
        nninit_model_load_mem(yaml, sizeof yaml - 1, "seed.yaml", m, 0, &err) ||
        nninit_plan_new(m, &po, &plan, &err))
        return fail(&err);
    float w[500];
    nninit_producer *pr;
    if (nninit_producer_new(plan, NULL, &pr, &err) ||
        nninit_producer_fill(pr, 0, w, 0, 500, &err)) /* fc1.weight */
        return fail(&err);
    printf("fc1.weight[0] = %f (the same bytes as in %s)\n", w[0], out);
    nninit_producer_free(pr);
    nninit_plan_free(plan);
    nninit_model_free(m);
    return 0;
}
