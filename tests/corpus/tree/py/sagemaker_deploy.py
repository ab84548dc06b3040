"""Deploy the TGI container on SageMaker (used by the data-science team)."""

import sagemaker
from sagemaker.huggingface import HuggingFaceModel, get_huggingface_llm_image_uri
from sagemaker.jumpstart.model import JumpStartModel

role = sagemaker.get_execution_role()
image_uri = get_huggingface_llm_image_uri("huggingface", version="2.2.0")

hub_env = {
    "HF_MODEL_ID": "mistralai/Mixtral-8x7B-Instruct-v0.1",
    "SM_NUM_GPUS": "4",
    "MAX_INPUT_LENGTH": "8192",
    "MAX_TOTAL_TOKENS": "16384",
}

tgi = HuggingFaceModel(image_uri=image_uri, env=hub_env, role=role)


def deploy_tgi():
    return tgi.deploy(initial_instance_count=1, instance_type="ml.g5.12xlarge", container_startup_health_check_timeout=900)


def deploy_jumpstart():
    model = JumpStartModel(model_id="meta-textgeneration-llama-3-8b-instruct", role=role)
    return model.deploy(accept_eula=True, instance_type="ml.g5.2xlarge")
