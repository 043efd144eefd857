/*
 * cli_model.c: what `nninit plan` and `nninit init` share: the model
 * options, reading a description or a checkpoint, and making the plan.
 */
#include "cli.h"

#include <string.h>

void cli_model_init(cli_model *cm)
{
    memset(cm, 0, sizeof *cm);
    cm->po = nninit_plan_opts_default();
}

int cli_model_option(cli_model *cm, int key, const char *value)
{
    nninit_error err;
    switch (key) {
    case CLI_M_PRESET:
        if (nninit_preset_parse(value, &cm->po.preset, &err))
            return cli_error(EXIT_BAD_INPUT, "--preset: %s", err.msg);
        return 0;
    case CLI_M_SEED:
        return cli_seed("seed", value, &cm->po.seed);
    case CLI_M_RNG:
        if (nninit_rng_kind_parse(value, &cm->po.rng, &err))
            return cli_error(EXIT_BAD_INPUT, "--rng: %s", err.msg);
        return 0;
    case CLI_M_DTYPE:
        if (nninit_dtype_parse(value, &cm->po.dtype, &err))
            return cli_error(EXIT_BAD_INPUT, "--dtype: %s", err.msg);
        cm->po.dtype_set = 1;
        return 0;
    case CLI_M_RULES:
        cm->rules = value;
        return 0;
    case CLI_M_TORCH_KERNEL:
        if (nninit_torch_kernel_parse(value, &cm->po.torch_kernel, &err))
            return cli_error(EXIT_BAD_INPUT, "--torch-kernel: %s", err.msg);
        return 0;
    case CLI_M_SCALING: {
        nninit_scaling sc;
        if (nninit_scaling_parse(value, &sc, &err))
            return cli_error(EXIT_BAD_INPUT, "--scaling: %s", err.msg);
        int i = 0;
        while (i < cm->nscalings && cm->scalings[i].kind != sc.kind)
            i++;
        if (i == cm->nscalings)
            cm->nscalings++;
        cm->scalings[i] = sc; /* a second of one kind replaces the first */
        return 0;
    }
    case CLI_M_TORCH_VERSION:
        if (nninit_torch_version_parse(value, &cm->po.torch_version, &err))
            return cli_error(EXIT_BAD_INPUT, "--torch-version: %s", err.msg);
        return 0;
    default:
        return cli_error(EXIT_BAD_INPUT, "unknown option");
    }
}

static int has_ext(const char *path, const char *ext)
{
    size_t n = strlen(path), e = strlen(ext);
    return n > e && !strcmp(path + n - e, ext);
}

int cli_model_load(cli_model *cm)
{
    nninit_error err;
    int rc;
    const char *p = cm->path;
    if (!p)
        return cli_error(EXIT_BAD_INPUT, "missing MODEL (a .yaml or .json "
                                         "description, or a .safetensors, "
                                         ".npz or .gguf checkpoint)");
    if ((rc = nninit_model_new(&cm->m, NULL, &err)))
        return cli_error(cli_status_exit(rc), "%s", err.msg);
    if (!has_ext(p, ".safetensors.index.json") &&
        (has_ext(p, ".yaml") || has_ext(p, ".yml") || has_ext(p, ".json"))) {
        rc = nninit_model_load(p, cm->m, 0, &err);
    } else if (has_ext(p, ".safetensors") || has_ext(p, ".npz") ||
               has_ext(p, ".gguf") || has_ext(p, ".safetensors.index.json")) {
        rc = nninit_ckpt_open(p, NULL, &cm->ck, &err);
        if (rc == NNINIT_OK)
            rc = nninit_ckpt_add_to_model(cm->ck, cm->m, &err);
    } else {
        return cli_error(EXIT_BAD_INPUT,
                         "'%s': MODEL must be a .yaml, .yml or .json "
                         "description or a .safetensors, .npz or .gguf "
                         "checkpoint", p);
    }
    if (rc == NNINIT_OK && cm->rules)
        rc = nninit_model_load(cm->rules, cm->m, NNINIT_LOAD_RULES_ONLY, &err);
    for (int i = 0; i < cm->nscalings && rc == NNINIT_OK; i++)
        rc = nninit_model_add_scaling(cm->m, &cm->scalings[i], &err);
    if (rc)
        return cli_error(rc == NNINIT_EIO || rc == NNINIT_ENOMEM
                             ? EXIT_RUNTIME
                             : EXIT_BAD_INPUT,
                         "%s", err.msg);
    if (!cm->ck && !cm->po.dtype_set)
        cm->po.dtype = NNINIT_F32;
    if ((rc = nninit_plan_new(cm->m, &cm->po, &cm->plan, &err)))
        return cli_error(rc == NNINIT_ENOMEM ? EXIT_RUNTIME : EXIT_BAD_INPUT,
                         "%s", err.msg);
    for (size_t i = 0; i < nninit_plan_warning_count(cm->plan); i++)
        fprintf(stderr, "nninit: warning: %s\n",
                nninit_plan_warning(cm->plan, i));
    return 0;
}

void cli_model_free(cli_model *cm)
{
    nninit_plan_free(cm->plan);
    nninit_ckpt_close(cm->ck);
    nninit_model_free(cm->m);
    cm->plan = NULL;
    cm->ck = NULL;
    cm->m = NULL;
}

void cli_model_notes(const cli_model *cm)
{
    for (size_t i = 0; i < nninit_plan_note_count(cm->plan); i++)
        fprintf(stderr, "nninit: note: %s\n",
                nninit_plan_note_get(cm->plan, i)->text);
}

void cli_model_help(void)
{
    printf("  --preset P          seed (default: the per-activation rule);\n"
           "                      torch, keras, flax: their layer defaults;\n"
           "                      gpt2, llama: nn.Linear and nn.Embedding\n"
           "                      N(0, 0.02), biases 0, norms 1 (gpt2 adds\n"
           "                      the gpt2 scaling)\n"
           "  --scaling S[:k=v,...]  a depth or width scheme, after the\n"
           "                      preset's (repeatable; layers say their\n"
           "                      place with role:, see README):\n");
    for (int k = 0; k < NNINIT_SCALING_COUNT; k++) {
        const nninit_scaling_info *in =
            nninit_scaling_info_get((nninit_scaling_kind)k);
        printf("      %-11s %s%s%s\n",
               nninit_scaling_kind_name((nninit_scaling_kind)k), in->source,
               in->options[0] ? "; " : "", in->options);
    }
}
