/* Links against an installed nninit's upper layers: plans the seed network
 * from YAML (nninit/model.h, nninit/io.h), writes it as safetensors, and
 * builds the lab's MLP on the same weights' initializers (nninit/lab.h). */
#include <nninit.h>
#include <nninit/io.h>
#include <nninit/lab.h>
#include <nninit/model.h>
#include <stdio.h>

/* A few Adam steps of a small MLP on the spirals task: the loss must drop. */
static int lab(void)
{
    nninit_lab_data d;
    nninit_error err;
    if (nninit_lab_spirals(256, 3, 0.05, 1, NULL, &d, &err)) {
        fprintf(stderr, "consumer_io: %s\n", err.msg);
        return 1;
    }
    int sizes[] = {2, 16, 3};
    nninit_activation acts[] = {NNINIT_ACT_TANH, NNINIT_ACT_NONE};
    nninit_lab_mlp_desc desc = nninit_lab_mlp_desc_make(2, sizes, acts);
    desc.max_batch = 256;
    nninit_lab_mlp *net;
    if (nninit_lab_mlp_new(&desc, NULL, &net, &err)) {
        fprintf(stderr, "consumer_io: %s\n", err.msg);
        nninit_lab_data_free(&d);
        return 1;
    }
    nninit_lab_optim opt = nninit_lab_optim_make(NNINIT_LAB_ADAM, 0.02);
    static nninit_lab_real dl[256 * 3];
    double first = 0, loss = 0;
    for (int step = 0; step < 100; step++) {
        nninit_lab_mlp_forward(net, d.x, d.n);
        loss = nninit_lab_softmax_xent(nninit_lab_mlp_output(net), d.y, d.n,
                                       3, dl);
        if (step == 0)
            first = loss;
        nninit_lab_mlp_backward(net, dl);
        int np;
        nninit_lab_param *p = nninit_lab_mlp_params(net, &np);
        nninit_lab_optim_step(&opt, p, np);
    }
    printf("lab: loss %.3f -> %.3f\n", first, loss);
    nninit_lab_mlp_free(net);
    nninit_lab_data_free(&d);
    return !(loss < 0.9 * first);
}

int main(int argc, char **argv)
{
    static const char yaml[] =
        "layers:\n"
        "  - {name: fc1, type: linear, in: 10, out: 50, activation: relu}\n"
        "  - {name: fc2, type: linear, in: 50, out: 1, activation: tanh}\n";
    nninit_error err;
    nninit_model *m = NULL;
    nninit_plan *plan = NULL;
    nninit_plan_opts po = nninit_plan_opts_default();
    nninit_write_opts wo = nninit_write_opts_default();
    if (argc != 2 || nninit_model_new(&m, NULL, &err) ||
        nninit_model_load_mem(yaml, sizeof yaml - 1, "net.yaml", m, 0, &err) ||
        nninit_plan_new(m, &po, &plan, &err) ||
        nninit_plan_write(plan, argv[1], NNINIT_FORMAT_SAFETENSORS, &wo,
                          &err)) {
        fprintf(stderr, "consumer_io: %s\n", argc == 2 ? err.msg : "usage");
        return 1;
    }
    printf("%zu tensors, fc1.weight by %s\n", nninit_plan_size(plan),
           nninit_plan_get(plan, 0)->init);
    nninit_plan_free(plan);
    nninit_model_free(m);
    return lab();
}
