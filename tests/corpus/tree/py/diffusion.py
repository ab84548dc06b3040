"""Product-shot generation for the catalogue team."""

import torch
from diffusers import (
    AutoencoderKL,
    ControlNetModel,
    DiffusionPipeline,
    StableDiffusionXLControlNetPipeline,
)

BASE = "stabilityai/stable-diffusion-xl-base-1.0"


def text_to_image_pipeline():
    pipe = DiffusionPipeline.from_pretrained(BASE, torch_dtype=torch.float16, variant="fp16")
    pipe.load_lora_weights("./loras/catalogue-style.safetensors")
    return pipe.to("cuda")


def controlnet_pipeline():
    controlnet = ControlNetModel.from_pretrained("diffusers/controlnet-canny-sdxl-1.0", torch_dtype=torch.float16)
    vae = AutoencoderKL.from_pretrained("madebyollin/sdxl-vae-fp16-fix", torch_dtype=torch.float16)
    return StableDiffusionXLControlNetPipeline.from_pretrained(
        BASE, controlnet=controlnet, vae=vae, torch_dtype=torch.float16
    ).to("cuda")


def flux_pipeline():
    return DiffusionPipeline.from_pretrained("black-forest-labs/FLUX.1-schnell", torch_dtype=torch.bfloat16)


def render(prompt: str, out: str = "out/render_2024/01.png"):
    image = text_to_image_pipeline()(prompt, num_inference_steps=30).images[0]
    image.save(out)
