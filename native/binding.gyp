# Builds ace_native.node: sgemm through the system CBLAS plus fused kernels (LSTM cell, Adam, row logsumexp).
{
  "variables": {
    # Overridable from the build script (-Dblas_libs=...) when OpenBLAS is not the system BLAS.
    "blas_libs%": "-lopenblas"
  },
  "targets": [
    {
      "target_name": "ace_native",
      "sources": ["ace_native.c"],
      "cflags": ["-O3", "-fno-math-errno", "-std=c11"],
      "cflags_c": ["-O3", "-fno-math-errno", "-std=c11"],
      "include_dirs": ["/usr/include/openblas", "/usr/local/include", "/opt/homebrew/opt/openblas/include"],
      "conditions": [
        ["OS=='mac'", {
          "defines": ["ACE_USE_ACCELERATE", "ACCELERATE_NEW_LAPACK"],
          "libraries": ["-framework Accelerate"],
          "xcode_settings": { "OTHER_CFLAGS": ["-O3", "-fno-math-errno", "-std=c11"] }
        }, {
          "libraries": ["<(blas_libs)", "-lm", "-pthread"]
        }]
      ]
    }
  ]
}
