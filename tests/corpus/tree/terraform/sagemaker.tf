resource "aws_sagemaker_model" "mixtral" {
  name               = "mixtral-tgi"
  execution_role_arn = aws_iam_role.sagemaker.arn

  primary_container {
    image = "763104351884.dkr.ecr.eu-west-1.amazonaws.com/huggingface-pytorch-tgi-inference:2.4.0-tgi2.4.0-gpu-py311-cu124-ubuntu22.04"
    environment = {
      HF_MODEL_ID      = "mistralai/Mixtral-8x7B-Instruct-v0.1"
      SM_NUM_GPUS      = "4"
      MAX_INPUT_TOKENS = "8192"
      HF_MODEL_QUANTIZE = "bitsandbytes"
    }
  }
}

resource "aws_sagemaker_endpoint_configuration" "mixtral" {
  name = "mixtral-tgi"

  production_variants {
    variant_name           = "primary"
    model_name             = aws_sagemaker_model.mixtral.name
    initial_instance_count = 1
    instance_type          = "ml.g5.12xlarge"
  }
}

resource "aws_sagemaker_endpoint" "mixtral" {
  name                 = "mixtral-tgi"
  endpoint_config_name = aws_sagemaker_endpoint_configuration.mixtral.name
}

resource "aws_iam_role" "sagemaker" {
  name               = "sagemaker-mixtral"
  assume_role_policy = data.aws_iam_policy_document.sagemaker_assume.json
}
